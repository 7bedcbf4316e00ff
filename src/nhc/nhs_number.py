"""The NHS number: 10 digits with a modulus-11 check digit (NHS Data Dictionary).

The first nine digits are weighted 10..2; check digit = 11 − (sum mod 11), where 11 becomes 0 and
10 means the number is invalid. Numbers beginning 999 are reserved for testing and never issued to
a person: synthetic data uses only those.

One rule, used by the synthetic county, FHIR ingest and the analytics' ``explain``.
"""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([10, 9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def check_digits(first_nine: np.ndarray) -> np.ndarray:
    """Check digits for an array of 9-digit integers; 10 marks a base with no valid number."""
    digits = (first_nine[:, None] // 10 ** np.arange(8, -1, -1, dtype=np.int64)) % 10
    check = 11 - (digits @ _WEIGHTS) % 11
    return np.where(check == 11, 0, check)


def is_valid(value: str) -> bool:
    """True if ``value`` (spaces allowed, as people write it) is ten digits with a correct check digit."""
    digits = value.replace(" ", "")
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])
