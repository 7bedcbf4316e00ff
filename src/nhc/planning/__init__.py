"""Demand, capacity and workforce planning (issue 19).

``parameters`` (scenario files and shipped reference parameters, validated against a schema),
``baseline`` (activity per person-year from the lake, pure Ibis rules plus one adapter),
``demography`` (the registered population aged year by year), ``levers`` (what each lever does to
activity), ``montecarlo`` (seeded runs, P10/P50/P90, the workforce gap and the waterfall).
This package never imports web or CLI code.
"""
