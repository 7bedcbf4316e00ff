"""The scrubber: what a person wrote, with whatever could identify them replaced by a placeholder.

Contract: :func:`scrub` returns the text with emails, UK postcodes, street addresses ("12 Cowley
Road"), UK phone numbers (``01``/``02``/``07``/``+44`` forms), NHS numbers (ten digits, with or
without spaces or dashes, 3-3-4) and any other run of six or more digits, and names, each replaced by
a bracketed placeholder (``[email]``, ``[postcode]``, ``[address]``, ``[phone number]``,
``[NHS number]``, ``[number]``, ``[name]``). It runs before anything is stored or shown: the feedback
item refuses text it has not been given by :func:`scrub` (see :class:`Scrubbed`).

Names are found three ways: a capitalised word after a title ("Dr Patel" -> "Dr [name]"); capitalised
words after "my name is", "I am", "I'm", "signed" or "regards"; and the shipped list of common UK
given names and surnames (``data/names.txt``). A listed name that is also an ordinary word ("Rose",
"Brown", "Will") counts only beside a title, a cue or another name, so "green spaces" stays.
The order matters: emails and postcodes before numbers (they contain digits), phone numbers
(leading 0 or +44) before NHS numbers, and any long digit run left over last, as a safety net.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

NAME, EMAIL, POSTCODE, ADDRESS = "[name]", "[email]", "[postcode]", "[address]"
PHONE, NHS_NUMBER, NUMBER = "[phone number]", "[NHS number]", "[number]"
PLACEHOLDERS = (NAME, EMAIL, POSTCODE, ADDRESS, PHONE, NHS_NUMBER, NUMBER)

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Full UK postcodes (outward + inward code): OX4 1AB, OX41AB, SW1A 1AA, M1 1AE; any letter case.
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
_STREET_TYPES = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Place|Court|Ct|Gardens|Terrace|"
    "Grove|Hill|Row|Walk|Rise|Square|Green|Mews|Park|View|Parade|Croft|Meadow|Meadows|End|Yard"
)
# "12 Cowley Road", "Flat 3, 14a High Street", "7 St Clement's Street"
_ADDRESS = re.compile(
    r"\b(?:(?:Flat|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?,?\s+"
    r"(?:[A-Z][A-Za-z'’.-]*\s+){1,3}(?:" + _STREET_TYPES + r")\b\.?"
)
# +44 7700 900123, +44 (0)1865 123456, (01865) 123456, 020 7946 0018, 07700900123
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s()-]{7,14}\d(?!\w)")
_NHS_NUMBER = re.compile(r"(?<!\d)\d{3}[\s-]?\d{3}[\s-]?\d{4}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[\s-]?\d){5,}(?!\d)")

# A capitalised word, with the forms of UK surnames: O'Leary, McDonald, MacLeod, Okonkwo-Adeyemi.
_WORD = r"(?:O['’]|Ma?c)?[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?"
_TITLES = r"Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Rev|Revd|Sir|Dame"
_TITLED = re.compile(r"\b(" + _TITLES + r")(\.?\s+)(" + _WORD + r")((?:\s+" + _WORD + r")?)")
_CUE = re.compile(
    r"\b([Mm]y name is|[Mm]y name's|I am|I'm|I’m|[Ss]igned:?|[Rr]egards,?|[Tt]hanks,)(\s+)"
    r"(" + _WORD + r"(?:\s+" + _WORD + r"){0,2})"
)
# Capitalised words after "I am" that are not names.
_NOT_NAMES = frozenset((
    "English", "British", "Scottish", "Welsh", "Irish", "Polish", "Indian", "Pakistani", "Bangladeshi",
    "Black", "White", "Asian", "Muslim", "Hindu", "Sikh", "Jewish", "Christian", "Catholic", "Deaf",
    "Disabled", "Autistic", "Not", "So", "Very", "Still", "Also", "Just", "Now", "The", "A", "An", "In",
    "On", "At", "From", "Writing", "Sorry", "Glad", "Happy", "Unhappy", "Disappointed", "Grateful",
    "Worried", "Tired",
))  # fmt: skip
# "my name is john smith": after this cue a name is removed even in lower case.
_NAME_IS = re.compile(r"\b([Mm]y name is|[Mm]y name's)(\s+)([a-z][a-z'’-]+)((?:\s+[a-z][a-z'’-]+)?)")
_NOT_LOWER_NAMES = frozenset(
    ("not", "a", "an", "the", "withheld", "private", "unknown", "on", "in", "at", "and", "but")
)
_CAPITALISED = re.compile(r"\b" + _WORD + r"\b")
_MERGE = re.compile(r"\[name\](?:\s+\[name\])+")
# Control characters (NUL among them: PostgreSQL refuses it in text) are dropped; tabs and new lines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Names:
    """The shipped list: names that always count, and names that are also ordinary words."""

    sure: frozenset[str]
    ambiguous: frozenset[str]

    def known(self, word: str) -> bool:
        return word in self.sure or word in self.ambiguous


@cache
def shipped_names() -> Names:
    """``data/names.txt`` (``#`` lines are comments; a trailing ``*`` marks an ordinary word)."""
    text = resources.files("nhc.engagement").joinpath("data/names.txt").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    ambiguous = frozenset(ln.rstrip("*") for ln in lines if ln.endswith("*"))
    sure = frozenset(ln for ln in lines if not ln.endswith("*")) - ambiguous
    return Names(sure, ambiguous)


@dataclass(frozen=True)
class Scrubbed:
    """Text that has been through :func:`scrub` (the only way to make one outside tests)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _phone(match: re.Match[str]) -> str:
    """A UK number has 10 digits after its trunk 0 or +44; anything else is left to the later rules."""
    digits = re.sub(r"\D", "", match.group(0))
    national = digits[2:] if match.group(0).startswith("+44") else digits[1:]
    national = national[1:] if national.startswith("0") else national  # +44 (0)1865...
    return PHONE if len(national) in (9, 10) else match.group(0)


def _titled(names: Names, m: re.Match[str]) -> str:
    second = m.group(4).strip()
    keep_second = bool(second) and not names.known(second)
    return f"{m.group(1)}{m.group(2)}{NAME}" + (m.group(4) if keep_second else "")


def _cued(m: re.Match[str]) -> str:
    words = m.group(3).split()
    if m.group(1).lower() in ("i am", "i'm", "i’m") and words[0] in _NOT_NAMES:
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}{NAME}"


def _name_is(names: Names, m: re.Match[str]) -> str:
    if m.group(3) in _NOT_LOWER_NAMES:
        return m.group(0)
    second = m.group(4).strip()
    keep = "" if second and names.known(second.capitalize()) else m.group(4)
    return f"{m.group(1)}{m.group(2)}{NAME}{keep}"


def _listed(names: Names, text: str) -> str:
    """Listed names; an ambiguous one only next to a name or a placeholder already found."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _CAPITALISED.finditer(text)]
    hit = [w in names.sure for _, _, w in spans]
    for _ in range(2):  # "Rose Brown Smith": let a sure name reach two ambiguous neighbours
        for i, (start, end, word) in enumerate(spans):
            if hit[i] or word not in names.ambiguous:
                continue
            before = text[max(0, start - 7) : start]
            after = text[end : end + 7]
            near_prev = i > 0 and hit[i - 1] and text[spans[i - 1][1] : start].strip() == ""
            near_next = i + 1 < len(spans) and hit[i + 1] and text[end : spans[i + 1][0]].strip() == ""
            hit[i] = near_prev or near_next or before.endswith(NAME + " ") or after.startswith(" " + NAME)
    out, last = [], 0
    for (start, end, _), is_name in zip(spans, hit, strict=True):
        if is_name:
            out.append(text[last:start] + NAME)
            last = end
    return "".join(out) + text[last:]


def scrub(text: str) -> Scrubbed:
    """``text`` with identifiers replaced by placeholders (see the module's contract)."""
    names = shipped_names()
    out = _EMAIL.sub(EMAIL, _CONTROL.sub("", text))
    out = _POSTCODE.sub(POSTCODE, out)
    out = _ADDRESS.sub(ADDRESS, out)
    out = _PHONE.sub(_phone, out)
    out = _NHS_NUMBER.sub(NHS_NUMBER, out)
    out = _LONG_DIGITS.sub(NUMBER, out)
    out = _TITLED.sub(lambda m: _titled(names, m), out)
    out = _CUE.sub(_cued, out)
    out = _NAME_IS.sub(lambda m: _name_is(names, m), out)
    out = _listed(names, out)
    return Scrubbed(_MERGE.sub(NAME, out))
