"""Routing the visiting service's day: travel times, the PyVRP planner, re-planning, a naive baseline."""
