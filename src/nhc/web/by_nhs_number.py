"""The person a form names by the NHS number typed, found the same way on every page that takes one
(the access area's booking and visit forms, social prescribing's referral form).

:func:`patient_by_nhs_number` reads the number with any spacing (:func:`nhc.identifiers.parse_nhs_number`),
checks it (modulus 11, :func:`nhc.nhs_number.is_valid`: a typo is caught before any look-up) and finds
it through the patient directory (:meth:`~nhc.care.directory.PatientDirectory.by_nhs_number`). Each
form words its own prompts for a blank box or a number that cannot be one (400), but a number that
finds no one is refused in the one sentence :data:`NOT_YOURS` with 403: the words and status the
pages give when the access decision refuses another team's person, so an answer never tells whether
someone is registered. Finding a number is not permission to see the person: the caller still puts
them to the access decision (audited).
"""

from __future__ import annotations

from nhc.care.directory import PatientDirectory
from nhc.errors import NhcError
from nhc.identifiers import InvalidIdentifier, parse_nhs_number
from nhc.nhs_number import is_valid

#: The hint under an NHS number box.
NHS_NUMBER_HINT = "10 digits, for example 943 476 5919"
#: The message when a number finds no one the user may see: the same words whether the person is
#: unknown or another team's (a refusal must not tell which).
NOT_YOURS = (
    "You do not have a legitimate relationship with anyone of this NHS number (people registered in "
    "your neighbourhoods or on your caseload): check the number"
)
ENTER_NUMBER = "Enter the person's NHS number"
VALID_NUMBER = "Enter a valid 10-digit NHS number"


class NumberRefused(Exception):
    """The number typed names no one the page can use: :attr:`message` in plain English, and
    :attr:`status` 400 (blank, or it cannot be an NHS number) or 403 (it finds no one; the caller
    answers exactly as for a refused access decision)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def patient_by_nhs_number(
    directory: PatientDirectory,
    typed: str,
    *,
    blank: str = ENTER_NUMBER,
    invalid: str = VALID_NUMBER,
) -> int:
    """The patient id of the person whose NHS number is ``typed`` (any spacing): ``blank`` (400)
    when nothing was typed, ``invalid`` (400) when it is not ten digits whose check digit fits,
    :data:`NOT_YOURS` (403) when the directory finds no one (or cannot be read: the lake is not
    built), each raised as :class:`NumberRefused`."""
    if not typed.strip():
        raise NumberRefused(blank)
    try:
        number = parse_nhs_number(typed)
    except InvalidIdentifier:
        number = ""
    if not is_valid(number):  # ten digits whose check digit fits: a typo is caught here
        raise NumberRefused(invalid)
    try:
        found = directory.by_nhs_number(number)
    except NhcError:
        found = None
    if found is None:
        raise NumberRefused(NOT_YOURS, 403)
    return found
