"""The engagement use cases on SQLite and PostgreSQL: comments taken in scrubbed and themed, nothing
identifying in the stored row, staff notes audited, re-tagging, imports all-or-nothing, the summary."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhc.engagement.domain import BadField, Channel, NotFound, Sentiment
from nhc.engagement.services import Comment, EngagementService, feedback
from nhc.errors import InputError
from nhc.security.roles import Principal, Role
from nhc.security.service import SecurityService
from tests.engagement.conftest import NEIGHBOURHOODS, NOW

IDENTIFYING = (
    "My name is Sarah Jones, NHS number 943 476 5919. I waited five weeks for an appointment with "
    "Dr Patel. Call 07700 900123 or sarah.jones@example.com, 12 Cowley Road, OX4 1AB."
)
LEAKS = ("Sarah", "Jones", "Patel", "943", "5919", "07700", "900123", "example.com", "Cowley", "OX4", "1AB")
LEAD = Principal(user_id=1, username="lead", display_name="Lee Lead", role=Role.TEAM_MEMBER)
ADMIN = Principal(user_id=2, username="root", display_name="Ada Admin", role=Role.ADMIN)


def _actions(security: SecurityService, action: str) -> list:
    events, _ = security.audit_events(ADMIN, action=action)
    return events


def test_nothing_identifying_reaches_storage(engagement: EngagementService, db) -> None:
    item = engagement.submit_public("Headington", IDENTIFYING, age_band="45-64")
    with db.engine.connect() as conn:
        row = (
            conn.execute(sa.text("SELECT * FROM eng_feedback WHERE id = :id"), {"id": item.id})
            .mappings()
            .one()
        )
    stored = " ".join(str(v) for v in row.values())
    assert [leak for leak in LEAKS if leak in stored] == []
    assert row["text"] == (
        "My name is [name], NHS number [NHS number]. I waited five weeks for an appointment with "
        "Dr [name]. Call [phone number] or [email], [address], [postcode]."
    )
    assert (row["neighbourhood"], row["channel"], row["age_band"], str(row["received"])[:10]) == (
        "Headington", "public_form", "45-64", "2026-03-02",
    )  # fmt: skip


def test_a_public_comment_is_themed_and_given_a_sentiment(engagement: EngagementService) -> None:
    item = engagement.submit_public("Banbury", "I rang at 8am for a week and never got an appointment.")
    (back,) = engagement.inbox("Banbury")
    assert back == item and "access" in back.themes and back.sentiment is Sentiment.NEGATIVE
    assert back.channel is Channel.PUBLIC_FORM and back.entered_by is None


def test_an_unknown_neighbourhood_is_refused_with_the_allowed_ones(engagement: EngagementService) -> None:
    with pytest.raises(BadField, match="Atlantis") as exc:
        engagement.submit_public("Atlantis", "Good service")
    assert exc.value.field == "neighbourhood" and "Headington" in exc.value.hint


def test_the_public_form_cannot_post_a_staff_note(engagement: EngagementService) -> None:
    with pytest.raises(BadField):
        feedback.submit_public(engagement.eng, Comment("Witney", "text", channel=Channel.SURVEY))


def test_staff_cannot_enter_a_public_form_comment_as_a_note(engagement: EngagementService) -> None:
    with pytest.raises(BadField, match="not a staff note"):
        engagement.add_note(LEAD, Comment("Witney", "text"))


@pytest.fixture
def secured(db) -> tuple[EngagementService, SecurityService]:
    security = SecurityService(db)
    service = EngagementService(
        db, security=security, clock=lambda: NOW, neighbourhoods=lambda: NEIGHBOURHOODS
    )
    return service, security


def test_a_staff_note_says_who_entered_it_and_is_audited(secured) -> None:
    service, security = secured
    note = Comment("Witney", "At the PPG meeting people said the app is hard to use.", channel=Channel.MEETING_NOTE,
                   received=dt.date(2026, 2, 20), tags=("PPG",))  # fmt: skip
    item = service.add_note(LEAD, note)
    assert (item.entered_by, item.received, item.tags) == ("lead", dt.date(2026, 2, 20), ("ppg",))
    assert "digital" in item.themes
    events = _actions(security, "engagement_note_added")
    assert len(events) == 1 and events[0].resource == f"engagement/{item.id}" and events[0].username == "lead"


def test_a_note_dated_in_the_future_is_refused(engagement: EngagementService) -> None:
    note = Comment("Witney", "Good", channel=Channel.SURVEY, received=dt.date(2026, 3, 3))
    with pytest.raises(BadField, match="future"):
        engagement.add_note(LEAD, note)


def test_retagging_replaces_the_themes_and_is_audited(secured) -> None:
    service, security = secured
    item = service.submit_public("Witney", "The car park is always full.")
    again = service.retag(LEAD, item.id, ["access", "navigation"], ["parking"])
    assert service.item(item.id) == again
    assert (again.themes, again.tags, again.retagged_by) == (("access", "navigation"), ("parking",), "lead")
    assert len(_actions(security, "engagement_retagged")) == 1
    with pytest.raises(NotFound):
        service.retag(LEAD, 999, ["access"])


def test_an_import_with_one_bad_row_writes_nothing_and_names_the_line(engagement: EngagementService) -> None:
    good = Comment("Witney", "Lovely nurse", channel=Channel.SURVEY, received=dt.date(2026, 3, 1))
    bad = Comment("Witney", "Fine", channel=Channel.SURVEY, age_band="40-50")
    with pytest.raises(InputError) as exc:
        engagement.import_notes([good, good, bad], entered_by="lead", file="notes.csv")
    assert (exc.value.file, exc.value.line, exc.value.field) == ("notes.csv", 4, "age_band")
    assert engagement.inbox() == []
    assert len(engagement.import_notes([good, good], entered_by="lead", file="notes.csv")) == 2


def test_the_summary_counts_by_theme_neighbourhood_age_and_quintile(engagement: EngagementService) -> None:
    text = "I could never get an appointment, the phone queue is endless."
    notes = [Comment("Banbury", text, channel=Channel.SURVEY, age_band="65-74", imd_quintile=1)] * 9
    engagement.import_notes(notes, entered_by="lead", file="s.csv")
    engagement.submit_public("Witney", "The nurse was kind.")
    county, banbury = engagement.summary(), engagement.summary("Banbury")
    access = {t.theme: t for t in banbury.themes}["access"]
    assert (banbury.total, banbury.as_of, access.count, access.negative) == (10, dt.date(2026, 3, 2), 10, 10)
    assert access.quotes == (text,) * 3
    assert county.total == 10  # 10 comments: rounded to the nearest 5
    assert {r.key: r.total for r in county.by_neighbourhood} == {
        "Headington": None,
        "Banbury": 10,
        "Witney": None,
    }
    assert {r.key: r.total for r in county.by_age_band}["65-74"] == 10
    assert {r.key: r.total for r in county.by_imd_quintile}["1"] == 10


def test_the_inbox_filters_by_theme_and_channel_newest_first(engagement: EngagementService) -> None:
    old = Comment("Witney", "I cannot use the NHS App.", channel=Channel.SURVEY, received=dt.date(2026, 1, 5))
    engagement.import_notes([old], entered_by="lead", file="x.csv")
    engagement.submit_public("Witney", "Never any appointments at the weekend.")
    assert [i.received for i in engagement.inbox()] == [dt.date(2026, 3, 2), dt.date(2026, 1, 5)]
    assert [i.channel for i in engagement.inbox(channel=Channel.SURVEY)] == [Channel.SURVEY]
    assert all("digital" in i.themes for i in engagement.inbox(theme="digital"))


def test_demo_comments_come_from_training_rows_and_are_added_once(engagement: EngagementService) -> None:
    assert engagement.seed_demo(per_neighbourhood=4) == 12
    assert engagement.seed_demo(per_neighbourhood=4) == 0
    assert {i.neighbourhood for i in engagement.inbox()} == set(NEIGHBOURHOODS)
