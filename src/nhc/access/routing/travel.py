"""Travel between places: straight-line (great-circle) distance times a road factor, at an average
speed. Both are settings: :class:`TravelSettings` (defaults: road factor 1.3, the usual ratio of
road to straight-line distance in English counties; 30 km/h, a mixed urban and rural average for a
clinician's car including parking).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nhc.access.domain.visits import Place

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class TravelSettings:
    road_factor: float = 1.3
    speed_kmh: float = 30.0

    def minutes(self, km: float) -> float:
        return km / self.speed_kmh * 60.0


def road_km(a: Place, b: Place, road_factor: float) -> float:
    """Great-circle distance between ``a`` and ``b`` times ``road_factor``, in kilometres."""
    p1, p2 = math.radians(a.latitude), math.radians(b.latitude)
    dp, dl = p2 - p1, math.radians(b.longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h)) * road_factor


def km_matrix(places: Sequence[Place], settings: TravelSettings) -> np.ndarray:
    """Road kilometres between every pair of ``places`` (vectorised haversine)."""
    lat = np.radians([p.latitude for p in places])
    lon = np.radians([p.longitude for p in places])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * settings.road_factor


def minutes_matrix(km: np.ndarray, settings: TravelSettings) -> np.ndarray:
    return km / settings.speed_kmh * 60.0
