"""The spec areas in reading order: each is a module ``tests/spec/test_<area>.py`` and a page
``docs/spec/<area>.md`` (written by ``scripts/spec_docs.py``). A new spec module goes here too; a test
fails until it does."""

AREAS: dict[str, str] = {
    "population": "Population",
    "coded": "Coded events to clusters",
    "facts": "Facts from the clusters",
    "team_records": "The team's own records",
    "registers": "Condition registers",
    "frailty": "Electronic Frailty Index",
    "multimorbidity": "Cambridge Multimorbidity Score",
    "utilisation": "Use of services",
    "segmentation": "Patient Need Groups and the pyramid",
    "risk": "Risk of emergency admission",
    "worklists": "Worklists",
    "cube": "The population cube",
    "disclosure": "Disclosure control",
    "indicators": "Outcome indicators",
    "outcome_series": "Outcome series and their disclosure control",
}
