"""Demand, capacity and workforce planning (issue 19).

``parameters`` (scenario files and shipped reference parameters, validated against a schema),
``baseline`` (activity per person-year from the lake, pure Ibis rules plus one adapter),
``transitions`` (moves between need groups in a year, a pure Ibis rule and the chances it gives),
``demography`` (the registered population aged year by year, by need group when the moves are known),
``levers`` (what each lever does to activity), ``montecarlo`` (seeded runs, P10/P50/P90, the workforce
gap and the waterfall), ``staff`` (staff in post from another source, such as the care record),
``choices`` (the scenario page's form and the scenario it makes), ``service`` (the use cases).
This package never imports web or CLI code.
"""
