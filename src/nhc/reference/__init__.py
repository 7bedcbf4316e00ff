"""Reference data shipped with NHC: SNOMED CT codelists and the (partly synthetic) Oxfordshire geography.

Everything loads from the package's own ``data/`` folder; see ``docs/reference-data.md`` for what is
real, what is synthetic and where each file came from. Import the submodules directly::

    from nhc.reference.codelists import load_codelists, codes
    from nhc.reference.geography import practices, small_areas, neighbourhoods
"""
