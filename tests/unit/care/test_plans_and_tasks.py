"""Care plans revised under optimistic locking, and task and referral moves, in memory."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from nhc.care import domain as d

AT = dt.datetime(2026, 4, 1, 9, 0)


def content(shared: bool = False, goal: str = "Walk to the shop") -> d.PlanContent:
    return d.PlanContent.parse(
        "Staying at home",
        f"{goal}\n\n",
        [{"action": "Review inhalers", "owner": "Phil", "due": "2026-04-15"}, {"action": " "}],
        "2026-05-01",
        shared,
    )


def test_plan_content_is_checked() -> None:
    c = content()
    assert c.goals == ("Walk to the shop",)
    assert c.actions == (d.PlanAction("Review inhalers", "Phil", dt.date(2026, 4, 15)),)
    assert c.review_date == dt.date(2026, 5, 1)
    with pytest.raises(d.InvalidCareInput, match="at least one goal"):
        d.PlanContent.parse("x", "  ", [], "2026-05-01", False)
    with pytest.raises(d.InvalidCareInput, match=r"action 1 \(Call\) needs an owner"):
        d.PlanContent.parse("x", "g", [{"action": "Call"}], "2026-05-01", False)
    with pytest.raises(d.InvalidCareInput, match="What matters to me is required"):
        d.PlanContent.parse("", "g", [], "2026-05-01", False)


def test_revising_from_the_current_version_writes_the_content() -> None:
    plan = d.CarePlan(id=4, version=2)
    plan.revise(2, content(goal="Garden again"), "lead", AT)
    assert json.loads(plan.goals) == ["Garden again"]
    assert plan.snapshot()["actions"] == [{"action": "Review inhalers", "owner": "Phil", "due": "2026-04-15"}]
    assert (plan.updated_by, plan.updated_at) == ("lead", AT)


def test_revising_from_an_old_version_is_refused_and_changes_nothing() -> None:
    plan = d.CarePlan(id=4, version=3, what_matters="before")
    with pytest.raises(d.StaleVersion, match="you edited version 2, the current version is 3") as err:
        plan.revise(2, content(), "lead", AT)
    assert (err.value.expected, err.value.current) == (2, 3)
    assert plan.what_matters == "before"


def test_sharing_makes_a_link_keeps_it_and_unsharing_revokes_it() -> None:
    plan = d.CarePlan(id=1)
    plan.write(content(shared=True), "lead", AT)
    link = plan.share_token
    assert plan.shared_with_patient and link and len(link) >= 32
    plan.write(content(shared=True), "lead", AT)
    assert plan.share_token == link
    plan.write(content(shared=False), "lead", AT)
    assert plan.share_token is None and not plan.shared_with_patient


def task(kind: str = "task", status: str = "todo", **kw: object) -> d.Task:
    fields: dict = {"neighbourhood": "Headington", "due_on": dt.date(2026, 4, 5), "updated_at": AT} | kw
    return d.Task(id=9, kind=kind, status=status, **fields)


def test_a_task_moves_to_any_status_of_its_kind_only() -> None:
    t = task()
    t.move_to("in_progress", AT)
    assert t.status == "in_progress"
    with pytest.raises(d.InvalidCareInput, match="unknown task status 'requested'"):
        t.move_to("requested", AT)
    with pytest.raises(d.InvalidCareInput, match="unknown referral status 'todo'"):
        task("referral", "requested").move_to("todo", AT)


def test_outstanding_work_past_its_due_date_is_overdue() -> None:
    later = dt.date(2026, 4, 6)
    assert task(status="todo").overdue(later) and task("referral", "accepted").overdue(later)
    assert not task(status="done").overdue(later) and not task(status="todo").overdue(dt.date(2026, 4, 5))


def test_admitting_from_a_referral_accepts_it_once() -> None:
    ref = task("referral", "requested", patient_id=101)
    assert ref.accept_for_admission(101, "Headington", AT) is True
    assert ref.status == "accepted"
    assert ref.accept_for_admission(101, "Headington", AT) is False


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (task("task"), "no referral with id 9"),
        (task("referral", "requested", patient_id=102), "is for another person"),
        (task("referral", "requested", neighbourhood="East Oxford"), "held by another team"),
    ],
)
def test_a_referral_is_not_accepted_for_the_wrong_admission(ref: d.Task, message: str) -> None:
    with pytest.raises(d.CareError, match=message):
        ref.accept_for_admission(101, "Headington", AT)
    assert ref.status in ("todo", "requested")
