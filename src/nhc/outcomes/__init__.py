"""Outcomes over time: statistical process control as NHS "Making Data Count" does it, and (to come) indicators
as data, inequalities and evaluation. Pure Python over numbers: no storage, database or web."""
