"""Care navigation: a community asset directory on Open Referral UK and a navigator whose rules are data.

``domain/`` holds the directory entities and the navigator's request and answer (no storage, no HTTP);
``models.py`` and ``repository.py`` store the directory and the decision log on the operational
database; ``oruk.py`` imports and exports Open Referral UK JSON; ``synth.py`` generates the synthetic
Oxfordshire directory; ``rules/`` holds the decision tables (zen-engine JSON decision models) and the
reasons list; ``services/`` groups the use cases for the web and the CLI.
"""
