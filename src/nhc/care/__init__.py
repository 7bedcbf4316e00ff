"""The integrated neighbourhood team's operational domain: caseloads, matching, care plans."""
