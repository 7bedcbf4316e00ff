"""``nhc run``'s summary as tables: need bands, Patient Need Groups, the pyramid, eFI, the models."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from nhc.cli.common import console


def print_summary(summary: dict[str, Any]) -> None:
    """The run summary (``RunResult.as_dict()``) as rich tables."""
    _bands(summary)
    _pyramid(summary["pyramid"])
    _efi(summary["efi_65_plus"])
    r = summary["risk_model"]
    console.print(
        f"Risk model: AUROC {r['auroc']} on {r['n_test']:,} held-out people "
        f"(trained on {r['n_train']:,}; outcome rate {r['outcome_rate']})"
    )
    console.print("Worklists: " + ", ".join(f"{k} {v:,}" for k, v in summary["worklists"].items()))
    x = summary["excluded"]
    # a count is None when nobody was analysed (an empty population has no exclusions to count)
    console.print("Excluded: " + ", ".join(f"{k.replace('_', ' ')} {v or 0:,}" for k, v in x.items()))
    console.print(
        "CMS conditions without a codelist (score 0): "
        + ", ".join(summary["cms_conditions_without_codelist"])
    )
    console.print(f"{summary['seconds']:.1f} s on {summary['engine']}")


def _bands(summary: dict[str, Any]) -> None:
    t = Table(title=f"Need bands ({summary['population']:,} people, as of {summary['as_of']})")
    for c in ("band", "people", "%", "Oxfordshire %", "Oxfordshire people"):
        t.add_column(c, justify="left" if c == "band" else "right")
    for b in summary["bands"]:
        t.add_row(
            b["band"],
            f"{b['count']:,}",
            f"{b['percent']:.1f}",
            f"{b['target_percent']:.1f}",
            f"{b['oxfordshire_count']:,}",
        )
    console.print(t)
    t = Table(title="Patient Need Groups")
    for c in ("PNG", "name", "band", "people", "%"):
        t.add_column(c, justify="right" if c in ("people", "%", "PNG") else "left")
    for g in summary["patient_need_groups"]:
        t.add_row(str(g["png"]), g["name"], g["band"], f"{g['count']:,}", f"{g['percent']:.2f}")
    console.print(t)


def _pyramid(pyramid: list[dict[str, Any]]) -> None:
    t = Table(title="Neighbourhood pyramid")
    for c in ("tier", "name", "people", "%", "target %", "per 40,000", "target per 40,000"):
        t.add_column(c, justify="left" if c == "name" else "right")
    for p in pyramid:
        t.add_row(
            str(p["tier"]),
            p["name"],
            f"{p['count']:,}",
            f"{p['percent']:.2f}",
            f"{p['target_percent']:.2f}",
            f"{p['per_40000']:,}",
            f"{round(p['target_percent'] * 400):,}",
        )
    console.print(t)


def _efi(e: dict[str, Any]) -> None:
    t = Table(title=f"eFI among {e['people_65_plus']:,} people aged 65+")
    for c in ("category", "people", "%", "published %"):
        t.add_column(c, justify="left" if c == "category" else "right")
    for c in e["categories"]:
        t.add_row(c["category"], f"{c['count']:,}", f"{c['percent']:.1f}", str(c["published_percent"]))
    console.print(t)
