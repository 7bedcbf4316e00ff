"""People shown as people: the name, age and NHS number a care view carries beside its patient id.

The care tables hold only patient ids; the names come from the patient directory (the insight
tables). A read use case authorises its rows first, then passes its views through :func:`labelled`,
which fills each view's ``person`` field (recursively, through tuples of views) — one directory
lookup per distinct person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from nhc.care.directory import PatientDirectory
from nhc.care.services.views import PersonLabel

T = TypeVar("T")


def person_label(person: dict[str, Any] | None, patient_id: int) -> PersonLabel | None:
    """The label of a directory row (``None`` when the directory does not know the person)."""
    if person is None:
        return None
    name = " ".join(str(person[k]) for k in ("given_name", "family_name") if person.get(k)).strip()
    age = person.get("age")
    return PersonLabel(
        patient_id,
        name or None,
        int(age) if age is not None else None,
        str(person["nhs_number"]) if person.get("nhs_number") else None,
    )


class _Labeller:
    def __init__(self, directory: PatientDirectory) -> None:
        self.directory = directory
        self.cache: dict[int, PersonLabel | None] = {}

    def label(self, patient_id: int) -> PersonLabel | None:
        if patient_id not in self.cache:
            self.cache[patient_id] = person_label(self.directory.lookup(patient_id), patient_id)
        return self.cache[patient_id]

    def walk(self, obj: Any) -> Any:
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.walk(o) for o in obj)
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            return obj
        changes: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name == "person" and getattr(obj, "patient_id", None):
                changes["person"] = self.label(obj.patient_id)  # type: ignore[attr-defined]
            elif isinstance(value, (list, tuple)) or dataclasses.is_dataclass(value):
                new = self.walk(value)
                if new is not value:
                    changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj


def labelled(directory: PatientDirectory, obj: T) -> T:
    """``obj`` (a view, or a list/tuple of views) with every ``person`` field filled in."""
    return _Labeller(directory).walk(obj)


def labels(directory: PatientDirectory, patient_ids: Iterable[int]) -> dict[int, PersonLabel]:
    """The labels of the people the directory knows among ``patient_ids``."""
    lab = _Labeller(directory)
    return {pid: label for pid in set(patient_ids) if (label := lab.label(pid)) is not None}
