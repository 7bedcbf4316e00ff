"""A starter set of priorities for the demo, drawn from the Oxford City locality plan's table
"What will happen this year? Activity / What / How / When" (seed 004), each row tagged with the
themes of what people value it answers. A neighbourhood lead replaces them with their own."""

from __future__ import annotations

from nhc.plans.domain import Priority, Status

AGREED_BY = "the NHC demo (a starter set from the Oxford City locality plan)"

STARTER: tuple[Priority, ...] = (
    Priority(
        "Primary care visiting service",
        "More rapid home visits for frail patients.",
        "Develop a practice visiting service with the GP federation.",
        "From April",
        "Neighbourhood lead",
        Status.IN_PROGRESS,
        ("access", "integrated"),
    ),
    Priority(
        "Frailty pathway",
        "Temporary support to stay at home during an acute deterioration.",
        "Develop an integrated frailty pathway with community and hospital services.",
        "An agreed plan by March",
        "Neighbourhood lead",
        Status.PLANNED,
        ("integrated", "continuity"),
    ),
    Priority(
        "Access hubs",
        "GP, nurse and physiotherapy appointments in extended hours.",
        "Develop a 7-day access scheme with the GP federation.",
        "From April",
        "Primary care network",
        Status.IN_PROGRESS,
        ("access", "triage"),
    ),
    Priority(
        "Extend the diabetes model",
        "Joined-up care for people with diabetes, extended to other conditions.",
        "A diabetes 'at a glance' progress report; multidisciplinary team meetings in practices.",
        "Diabetes from April; others the year after",
        "Clinical lead for long-term conditions",
        Status.PLANNED,
        ("prevention", "continuity"),
    ),
    Priority(
        "Social prescribing, self-care and wellbeing",
        "Link people to non-medical local support.",
        "Work with local partners, the voluntary sector and schools; extend the care navigator model.",
        "Ongoing",
        "Social prescribing link worker",
        Status.IN_PROGRESS,
        ("navigation", "prevention"),
    ),
    Priority(
        "Digital and information technology",
        "Shared access to records for everyone providing a person's care.",
        "Implement the countywide approach.",
        "To be confirmed",
        "Integrated care board",
        Status.PLANNED,
        ("digital", "integrated"),
    ),
)
