"""Feedback items, the classifier on clear examples, and the disclosure-controlled summary."""

from __future__ import annotations

import datetime as dt

import pytest

from nhc.engagement.domain import (
    BadField,
    Channel,
    FeedbackItem,
    Scrubbed,
    Sentiment,
    scrub,
    summarise,
)
from nhc.engagement.domain.classifier import labelled_comments, read_labelled, shipped_classifier
from nhc.vocab import THEMES

DAY = dt.date(2026, 3, 2)


def item(text="The wait was long", themes=("access",), sentiment="negative", **kw) -> FeedbackItem:
    fields = {"neighbourhood": "Headington", "channel": Channel.PUBLIC_FORM, "received": DAY} | kw
    return FeedbackItem(text=scrub(text), themes=themes, sentiment=sentiment, **fields)


def test_an_item_refuses_text_that_was_not_scrubbed() -> None:
    with pytest.raises(TypeError, match="scrubbed"):
        FeedbackItem("Headington", Channel.SURVEY, "Dr Patel", (), Sentiment.MIXED, DAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"themes": ("parking",)}, "themes"),
        ({"age_band": "40-50"}, "age_band"),
        ({"imd_quintile": 6}, "imd_quintile"),
        ({"channel": "letter"}, "channel"),
        ({"text": "   "}, "text"),
        ({"tags": ("a", "b", "c", "d", "e", "f")}, "tags"),
    ],
)
def test_an_item_names_the_field_that_is_wrong(changes, field) -> None:
    with pytest.raises(BadField) as exc:
        item(**changes)
    assert exc.value.field == field


def test_themes_are_kept_in_the_vocabulary_order_and_tags_lower_cased() -> None:
    it = item(themes=("triage", "access", "triage"), tags=("Parking ", "parking", "Car Park"))
    assert it.themes == ("access", "triage") and it.tags == ("parking", "car park")


def test_retagging_says_who_chose_the_themes() -> None:
    it = item().retagged(["digital"], ["app"], by="lead")
    assert (it.themes, it.tags, it.retagged_by) == (("digital",), ("app",), "lead")


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("I rang at 8am every day for a week and could never get an appointment.", "access"),
        ("I see a different doctor every time and have to repeat my whole history.", "continuity"),
        ("I do not have a smartphone and cannot use the NHS App or the online form.", "digital"),
        ("The receptionist was rude and the doctor did not listen to me at all.", "empathy"),
        ("The stop smoking service and the free health check kept me well.", "prevention"),
    ],
)
def test_the_classifier_finds_the_theme_of_a_clear_comment(text: str, theme: str) -> None:
    themes, _ = shipped_classifier().tag(text)
    assert theme in themes


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Thank you, the nurse was wonderful and so kind.", Sentiment.POSITIVE),
        ("Nobody answers the phone and I gave up trying to get an appointment.", Sentiment.NEGATIVE),
    ],
)
def test_the_classifier_reads_a_clear_sentiment(text: str, sentiment: Sentiment) -> None:
    assert shipped_classifier().tag(text)[1] is sentiment


def test_the_labelled_set_has_fifty_comments_per_theme_and_a_fixed_held_out_split() -> None:
    rows = labelled_comments()
    for theme in THEMES:
        assert sum(theme in r.themes for r in rows) >= 50, theme
    assert {r.id for r in rows if r.split == "test"} == {r.id for r in rows if r.id % 4 == 0}


def test_a_labelled_file_with_an_unknown_theme_is_refused() -> None:
    with pytest.raises(BadField, match="parking"):
        read_labelled("id,split,themes,sentiment,text\n1,train,parking,negative,No spaces\n")


def test_summary_counts_are_disclosure_controlled_and_quotes_only_for_published_themes() -> None:
    many = [item(f"Waited weeks, case {n}") for n in range(12)]  # 12 -> rounded to 10
    few = [item("Kind nurse", themes=("empathy",), sentiment="positive") for _ in range(3)]
    summary = summarise(many + few, "Headington", ["Headington", "Banbury"])
    by_theme = {t.theme: t for t in summary.themes}
    assert summary.total == 15 and summary.as_of == DAY
    assert [t.theme for t in summary.themes] == list(THEMES)
    assert (by_theme["access"].count, by_theme["access"].negative, by_theme["access"].positive) == (
        10,
        10,
        None,
    )
    assert len(by_theme["access"].quotes) == 3
    assert by_theme["empathy"].count is None and by_theme["empathy"].quotes == ()
    rows = {r.key: r for r in summary.by_neighbourhood}
    assert rows["Headington"].total == 15 and rows["Banbury"].total is None


def test_summary_of_nothing_says_none_were_gathered_with_no_date() -> None:
    summary = summarise([], None, ["Headington"])
    assert summary.total == 0 and summary.as_of is None
    assert all(t.count is None for t in summary.themes)


def test_scrubbed_is_what_str_shows() -> None:
    assert str(Scrubbed("x")) == "x"


@pytest.mark.parametrize("value", ["１", "٣", "6", "0", "1.0", " "])
def test_a_quintile_is_an_ascii_digit_from_1_to_5(value) -> None:
    with pytest.raises(BadField):
        item(imd_quintile=value)
