"""Access: extended-hours hub appointments across practices (FHIR Schedule, Slot, Appointment) and the
primary care visiting service's routed home visits. See ``docs/access.md``."""
