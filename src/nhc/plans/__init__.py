"""Neighbourhood health plans: a plan for each neighbourhood (and locality, and the county) built from
the other areas' services — who lives here, health and inequalities, outcomes, community assets,
access and demand, the team, what people told us — and the priorities a neighbourhood lead agrees,
versioned. :class:`nhc.plans.services.PlansService` is the entry point; the pages and the PDF are in
:mod:`nhc.web.plans`, the command in :mod:`nhc.cli.plans`."""
