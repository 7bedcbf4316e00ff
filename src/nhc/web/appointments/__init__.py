"""Access on the web: the JSON API for slot search, booking and cancelling, and the pages
(:mod:`nhc.web.appointments.pages`: find, book and cancel hub appointments, the visiting service's
day plan, the hub utilisation dashboard), and FHIR ``Schedule``, ``Slot`` and ``Appointment``
(read, and booking and cancelling an Appointment: :mod:`nhc.web.appointments.fhir_routes`). Include the routers in the app::

    from nhc.web.appointments import routers
    for r in routers:
        app.include_router(r)

Each takes its :class:`~nhc.access.services.AccessService` from :func:`access_service` (point it at
the composition root with ``app.state.access = ...`` or a dependency override) and the booker from
:func:`booker` (a signed-in user with the session's CSRF token).
"""

from __future__ import annotations

from nhc.web.appointments.api import router
from nhc.web.appointments.deps import access_service, booker
from nhc.web.appointments.fhir_routes import router as fhir_router
from nhc.web.appointments.pages import router as pages_router

#: ``fhir_router`` must come before the FHIR server's generic ``/fhir/{type}`` routes (the app
#: includes these routers first).
routers = [router, pages_router, fhir_router]

__all__ = ["access_service", "booker", "fhir_router", "pages_router", "router", "routers"]
