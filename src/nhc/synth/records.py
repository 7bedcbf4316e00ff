"""Collectors for the event-like tables the generator emits (clinical events, medications).

Generators append numpy arrays (patient index, day number, code index, value); the collector
concatenates them once at the end and turns code indices into strings with one ``take`` — far
cheaper than building millions of Python strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nhc.reference.codelists import codes as codelist_codes

EPOCH = np.datetime64("1970-01-01", "D")


def day_number(d: np.datetime64) -> int:
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


def to_date32(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


class CodePicker:
    """Picks real codes from codelists; remembers every code it hands out as a small integer."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self._cluster_cache: dict[str, np.ndarray] = {}

    def index_of(self, code: str) -> int:
        idx = self._index.get(code)
        if idx is None:
            idx = self._index[code] = len(self.strings)
            self.strings.append(code)
        return idx

    def cluster(self, cluster: str, *, within: str | None = None, avoid: tuple[str, ...] = ()) -> np.ndarray:
        """Indices of the codes of ``cluster``: only those also in ``within`` and in none of the
        ``avoid`` clusters, where that leaves any (so a diabetes code never also means PAD)."""
        key = f"{cluster}&{within}-{','.join(avoid)}"
        if key not in self._cluster_cache:
            codes = codelist_codes(cluster)
            if avoid:
                others = set().union(*(codelist_codes(a) for a in avoid if a != cluster))
                codes = [c for c in codes if c not in others] or codes
            if within is not None:
                shared = sorted(set(codes) & set(codelist_codes(within)))
                codes = shared or codes
            self._cluster_cache[key] = np.array([self.index_of(c) for c in codes], dtype=np.int32)
        return self._cluster_cache[key]

    def pick(
        self,
        rng: np.random.Generator,
        cluster: str,
        n: int,
        *,
        within: str | None = None,
        avoid: tuple[str, ...] = (),
    ) -> np.ndarray:
        """``n`` codes of ``cluster``, skewed to the first few (clinicians use a handful of codes)."""
        pool = self.cluster(cluster, within=within, avoid=avoid)
        # A geometric-ish skew: most entries use a few common concepts, a long tail uses the rest.
        k = np.minimum(rng.geometric(0.35, size=n) - 1, len(pool) - 1)
        return pool[k]

    def shares(self, cluster: str, other: str) -> bool:
        """True if some code of ``cluster`` is also in ``other``."""
        return bool(set(codelist_codes(cluster)) & set(codelist_codes(other)))

    def dictionary(self) -> pa.Array:
        return pa.array(self.strings, type=pa.string())


@dataclass
class EventCollector:
    """Accumulates rows of one event-like table as arrays."""

    patients: list[np.ndarray] = field(default_factory=list)
    days: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    units: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        patients: np.ndarray,
        days: np.ndarray,
        codes: np.ndarray,
        values: np.ndarray | None = None,
        unit: int = -1,
    ) -> None:
        n = len(patients)
        if n == 0:
            return
        # Person indices of one place fit 32 bits (a place is under a million people).
        self.patients.append(np.asarray(patients, dtype=np.int32))
        self.days.append(np.asarray(days, dtype=np.int32))
        self.codes.append(np.broadcast_to(np.asarray(codes, dtype=np.int32), (n,)).copy())
        self.values.append(np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64))
        self.units.append(np.full(n, unit, dtype=np.int16))

    def __len__(self) -> int:
        return sum(len(p) for p in self.patients)

    def clear(self) -> None:
        """Forget every row added (frees their memory)."""
        for parts in (self.patients, self.days, self.codes, self.values, self.units):
            parts.clear()

    def arrays(
        self, keep_before: np.ndarray | None = None, *, consume: bool = False
    ) -> dict[str, np.ndarray]:
        """Concatenated, sorted by (patient, day, code); rows after ``keep_before[patient]`` dropped.
        With ``consume`` the collector is emptied as soon as its rows are copied (less memory)."""
        # One column at a time, each copy replacing the last, so at most one extra column is held.
        columns = (
            ("patient", self.patients, np.int32),
            ("day", self.days, np.int32),
            ("code", self.codes, np.int32),
            ("value", self.values, np.float64),
            ("unit", self.units, np.int16),
        )
        cat: dict[str, np.ndarray] = {}
        for name, parts, dtype in columns:
            cat[name] = np.concatenate(parts) if parts else np.zeros(0, dtype)
            if consume:
                parts.clear()
        if keep_before is not None:
            keep = cat["day"] <= keep_before[cat["patient"]]
            for name in cat:
                cat[name] = cat[name][keep]
            del keep
        order = sort_order(cat["patient"], cat["day"], cat["code"])
        for name in cat:
            cat[name] = cat[name][order]
        return cat


_DAY_BITS, _CODE_BITS = 18, 20
_DAY_OFFSET = 1 << (_DAY_BITS - 1)  # days 1611-06-09 .. 2328-11-11 fit


def sort_order(patient: np.ndarray, day: np.ndarray, code: np.ndarray) -> np.ndarray:
    """The permutation ``np.lexsort((code, day, patient))`` gives (stable: ties keep their order),
    computed as one stable argsort of a packed int64 key, about ten times faster on tens of millions
    of rows. Falls back to ``lexsort`` if a value does not fit the key."""
    patient, day, code = np.asarray(patient), np.asarray(day), np.asarray(code)
    fits = len(patient) == 0 or (
        int(patient.min()) >= 0
        and int(patient.max()) < 1 << (63 - _DAY_BITS - _CODE_BITS)
        and int(day.min()) + _DAY_OFFSET >= 0
        and int(day.max()) + _DAY_OFFSET < 1 << _DAY_BITS
        and int(code.min()) >= 0
        and int(code.max()) < 1 << _CODE_BITS
    )
    if not fits:
        return np.lexsort((code, day, patient))
    # Built in place: one int64 key and one temporary, not a copy of every input.
    key = patient.astype(np.int64)
    key <<= _DAY_BITS + _CODE_BITS
    part = day.astype(np.int64)
    part += _DAY_OFFSET
    part <<= _CODE_BITS
    key |= part
    del part
    key |= code.astype(np.int64)
    return np.argsort(key, kind="stable")


def codes_array(dictionary: pa.Array, idx: np.ndarray) -> pa.Array:
    return pc.take(dictionary, pa.array(idx, type=pa.int32()))
