"""The scrubber on realistic text: each kind of identifier becomes its placeholder, and ordinary words
that look like names or numbers stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nhc.engagement.domain import scrub


def s(text: str) -> str:
    return scrub(text).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My NHS number is 943 476 5919.", "My NHS number is [NHS number]."),
        ("NHS no: 943-476-5919", "NHS no: [NHS number]"),
        ("nhs number 9434765919 please", "nhs number [NHS number] please"),
        ("Ring me on 07700 900123 after six", "Ring me on [phone number] after six"),
        ("Call 01865 741166 or (01865) 741166", "Call [phone number] or [phone number]"),
        ("Surgery: 020 7946 0018.", "Surgery: [phone number]."),
        ("mobile +44 7700 900123", "mobile [phone number]"),
        ("+44 (0)1865 123456 is the desk", "[phone number] is the desk"),
        ("Email me at jo.bloggs+nhs@example.co.uk thanks", "Email me at [email] thanks"),
        ("I live at OX4 1AB near the park", "I live at [postcode] near the park"),
        ("postcode ox41ab", "postcode [postcode]"),
        ("We live at 12 Cowley Road, Oxford", "We live at [address], Oxford"),
        ("Flat 3, 14a High Street is damp", "[address] is damp"),
        ("My hospital number is 12345678", "My hospital number is [number]"),
    ],
)
def test_identifiers_become_placeholders(text: str, expected: str) -> None:
    assert s(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr Patel was very kind", "Dr [name] was very kind"),
        ("Mrs Smith on reception was rude", "Mrs [name] on reception was rude"),
        ("I saw Dr. Okonkwo-Adeyemi today", "I saw Dr. [name] today"),
        ("Dr Sarah Jones listened", "Dr [name] listened"),
        ("My name is Siobhan O'Leary and I am a carer", "My name is [name] and I am a carer"),
        ("Hello, I'm Kwame.", "Hello, I'm [name]."),
        ("Signed Bartholomew", "Signed [name]"),
        ("Kind regards, Margaret Thompson", "Kind regards, [name]"),
        ("Sarah Brown helped my mum", "[name] helped my mum"),
        ("My son Oliver has asthma", "My son [name] has asthma"),
        ("hi my name is john smith and i am cross", "hi my name is [name] and i am cross"),
        ("my name is priya, thanks", "my name is [name], thanks"),
    ],
)
def test_names_become_placeholders(text: str, expected: str) -> None:
    assert s(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "More green spaces and walking groups would help.",
        "I am English and I want a phone option.",
        "The wait was 3 weeks and the appointment lasted 10 minutes in 2024.",
        "Will the practice open on Saturdays? I hope so.",
        "The Brown Street surgery",  # a street name without a number is not an address
        "NHS App, A&E and 111 are confusing.",
        "My name is not important, the service is.",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert s(text) == text


def test_a_realistic_comment_keeps_its_meaning_and_loses_every_identifier() -> None:
    text = (
        "My name is Sarah Jones and my NHS number is 485 777 3456. I have waited six weeks for an "
        "appointment with Dr Patel. Please call me on 07700 900123 or email sarah.jones@example.com. "
        "I live at 12 Cowley Road, OX4 1AB."
    )
    assert s(text) == (
        "My name is [name] and my NHS number is [NHS number]. I have waited six weeks for an "
        "appointment with Dr [name]. Please call me on [phone number] or email [email]. "
        "I live at [address], [postcode]."
    )


@given(
    st.tuples(st.integers(1, 9), st.integers(0, 99), st.integers(0, 999), st.integers(0, 9999)),
    st.sampled_from([" ", "-", ""]),
)
def test_any_nhs_number_in_3_3_4_form_is_removed(parts, sep) -> None:
    a, b, c, d = parts
    number = f"{a}{b:02d}{sep}{c:03d}{sep}{d:04d}"
    out = s(f"My number is {number}, thanks")
    assert out == "My number is [NHS number], thanks"


@given(
    st.sampled_from(["07", "01", "02"]),
    st.integers(0, 999_999_999).map(lambda n: f"{n:09d}"),
    st.sampled_from(["plain", "spaced", "international"]),
)
def test_any_uk_phone_number_is_removed(prefix, rest, form) -> None:
    national = prefix + rest  # 11 digits
    number = {
        "plain": national,
        "spaced": f"{national[:5]} {national[5:]}",
        "international": f"+44 {national[1:5]} {national[5:]}",
    }[form]
    out = s(f"Call {number} today")
    assert out == "Call [phone number] today"
    assert not re.search(r"\d{3}", out)


_NAMES = ["Sarah Jones", "Mohammed Khan", "Dr Okafor", "Mrs Williams", "Priya Patel", "Mr O'Brien"]


@given(
    name=st.sampled_from(_NAMES),
    nhs=st.integers(4_000_000_000, 7_999_999_999).map(lambda n: f"{str(n)[:3]} {str(n)[3:6]} {str(n)[6:]}"),
    phone=st.integers(0, 999_999).map(lambda n: f"07700 9{n:05d}"[:12]),
    user=st.from_regex(r"[a-z]{3,10}(\.[a-z]{2,8})?", fullmatch=True),
    postcode=st.sampled_from(["OX4 1AB", "OX16 9QE", "SN7 7JA", "RG9 1HG"]),
    house=st.integers(1, 250),
)
def test_a_comment_full_of_identifiers_keeps_none_of_them(name, nhs, phone, user, postcode, house) -> None:
    text = (
        f"I saw {name} about my knee. NHS number {nhs}, phone {phone}, email {user}@example.org. "
        f"Write to {house} Banbury Road, {postcode}. The wait was far too long."
    )
    out = s(text)
    surname = name.split()[-1]
    for identifier in (surname, nhs, phone, f"{user}@", postcode, f"{house} Banbury"):
        assert identifier not in out
    assert out.endswith("The wait was far too long.")


def test_control_characters_are_dropped() -> None:
    assert s("bad\x00 wait\x07\nline two") == "bad wait\nline two"
