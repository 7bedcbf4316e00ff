"""The synthetic county generator: a deterministic, vectorised stand-in for a real population.

No real patient data is used or wanted. Calibrated to published Oxfordshire facts (age structure,
QOF prevalences, eFI category shares, deprivation) so that the analytics have something realistic
to find. Entry point: :func:`nhc.synth.county.generate`.
"""
