"""NHC — Neighbourhood Health & Care.

Open-source software for running a neighbourhood model of health and care on an NHS system's
population: a synthetic county, a columnar lake, population health analytics and the tools the
integrated neighbourhood teams use to act on them.
"""

__version__ = "0.1.0"
