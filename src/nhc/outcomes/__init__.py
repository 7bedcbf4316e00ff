"""Outcomes over time: indicators as data (monthly, per practice, neighbourhood, locality and county and by
IMD quintile, sex, age band and ethnicity, disclosure-controlled), statistical process control as NHS
"Making Data Count" does it, and inequalities (Core20 gaps, the slope index of inequality). The rules are
pure over Ibis tables; :mod:`nhc.outcomes.report` runs them on any engine. No database or web."""
