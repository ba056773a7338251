"""``python manage.py service_desk 2026Q4 [--contract NUMBER] [--json] [--language en]``: the service desk's quarter
per contract (``inspections.selectors_desk``)."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from contracts.models import Contract
from contracts.selectors import contracts_active_in
from inspections import desk_rules, selectors_desk
from inspections.choices import CallbackResult, Channel, RequestKind
from logistics.management.quarter_command import QuarterReportCommand
from logistics.quarters import Quarter
from logistics.text import join_names


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _r_weights(quarter: Quarter, contracts: list[Contract]) -> dict[int, Decimal]:
    """Contract id -> the weight (percent) its scheme gives ``R``: the scheme of its evaluation of the quarter,
    else the current one for its service. The component is the scoring app's (this command only prints it)."""
    from scoring.models import Evaluation, EvaluationScheme
    from scoring.selectors import current_schemes

    used = {
        e.contract_id: e.scheme
        for e in Evaluation.objects.filter(quarter=quarter.key, contract__in=contracts).select_related("scheme")
    }
    try:
        schemes = current_schemes()
    except EvaluationScheme.DoesNotExist:
        schemes = None
    weights = {}
    for contract in contracts:
        scheme = used.get(contract.pk) or (schemes.for_contract(contract) if schemes else None)
        weights[contract.pk] = scheme.weight_r if scheme is not None else Decimal(0)
    return weights


def _clock(kept: int, judged: int, rate: Decimal | None) -> dict[str, Any]:
    return {"kept": kept, "judged": judged, "rate": _text(rate)}


def figures_data(contract: Contract, figures: desk_rules.DeskFigures, weight: Decimal) -> dict[str, Any]:
    """One contract's quarter as data (the ``--json`` output)."""
    return {
        "contract": contract.number,
        "received": {
            channel: dict(sorted(kinds.items())) for channel, kinds in sorted(figures.received.items()) if kinds
        },
        "received_total": figures.received_total,
        "rounds": figures.rounds,
        "redo_rounds": figures.redo_rounds,
        "response": _clock(figures.response_kept, figures.response_judged, figures.response_rate),
        "completion": _clock(figures.completion_kept, figures.completion_judged, figures.completion_rate),
        "late_rounds": [job.ref for job in figures.late_rounds],
        "escalations": figures.escalations,
        "callbacks": {
            "due": figures.callbacks_due,
            "not_done": figures.callbacks_not_done,
            "done": figures.callbacks_done,
            "results": dict(sorted(figures.callbacks.items())),
            "complaints": dict(sorted(figures.callbacks_by_job.get("complaint", {}).items())),
            "work_orders": dict(sorted(figures.callbacks_by_job.get("work_order", {}).items())),
        },
        "callback_satisfaction": _text(figures.callback_satisfaction),
        "complaint_reopens": figures.complaint_reopens,
        "repeats": {"repeats": figures.repeats, "reports": figures.repeat_base, "rate": _text(figures.repeat_rate)},
        "R": _text(figures.score()) if weight > 0 else None,
        "R_weight": _text(weight) if weight > 0 else None,
    }


class Command(QuarterReportCommand):
    help = (
        "The service desk's quarter per contract: requests received by channel and kind, the work order rounds' "
        "on-time response and completion rates (kept of judged), late rounds, escalations, redo rounds, callbacks "
        "made and their results, complaints sent back after a callback, the repeat rate, the callback "
        "satisfaction, and R when the contract's scheme weighs it."
    )

    quarter_example = "2026Q4"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--language", choices=["zh-hans", "en"], help="of the table (default: the site's)")

    def handle(self, *args: Any, quarter: str | None = None, contract: str | None = None, **options: Any) -> None:
        key = self.quarter_of(quarter)
        if contract:
            contracts = list(Contract.objects.filter(number=contract).select_related("vendor"))
            if not contracts:
                raise CommandError(f"no contract numbered {contract!r}")
        else:
            contracts = list(contracts_active_in(key).select_related("vendor").order_by("number"))
        as_of = selectors_desk.judged_until(key)
        figures = selectors_desk.desk_figures(key, contracts, as_of)
        weights = _r_weights(key, contracts)
        rows = [figures_data(c, figures[c.pk], weights[c.pk]) for c in contracts]
        if options["json"]:
            out = {"quarter": key.key, "as_of": as_of.isoformat(), "contracts": rows}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            self.table(key, as_of, contracts, rows)

    def table(self, quarter: Quarter, as_of: Any, contracts: list[Contract], rows: list[dict[str, Any]]) -> None:
        def share(rate: str | None, kept: int, judged: int) -> str:
            shown = f"{rate}%" if rate is not None else "—"
            return _("%(rate)s (%(kept)d of %(judged)d)") % {"rate": shown, "kept": kept, "judged": judged}

        def results(counts: dict[str, int]) -> str:
            return join_names(f"{CallbackResult(k).label} {n}" for k, n in counts.items()) or "—"

        write = self.stdout.write
        write(
            _("Service desk %(quarter)s, as of %(as_of)s")
            % {"quarter": quarter.key, "as_of": as_of.strftime("%Y-%m-%d %H:%M")}
        )
        for contract, row in zip(contracts, rows, strict=True):
            write("")
            write(f"{contract.number} · {contract.vendor}")
            received = [
                f"{Channel(channel).label}: " + join_names(f"{RequestKind(k).label} {n}" for k, n in kinds.items())
                for channel, kinds in row["received"].items()
            ]
            callbacks = row["callbacks"]
            repeats = row["repeats"]
            satisfaction = row["callback_satisfaction"]
            lines = [
                (
                    pgettext("service desk figures", "Received"),
                    str(row["received_total"]) + (f" ({'; '.join(received)})" if received else ""),
                ),
                (
                    _("Work order rounds"),
                    _("%(rounds)d, of which %(redo)d redo") % {"rounds": row["rounds"], "redo": row["redo_rounds"]},
                ),
                (_("On-time response"), share(**row["response"])),
                (_("On-time completion"), share(**row["completion"])),
                (_("Completed late"), join_names(row["late_rounds"]) or "—"),
                (_("Escalations"), str(row["escalations"])),
                (
                    _("Callbacks"),
                    _("%(done)d made (%(results)s); %(due)d due, %(open)d of them not made")
                    % {
                        "done": callbacks["done"],
                        "results": results(callbacks["results"]),
                        "due": callbacks["due"],
                        "open": callbacks["not_done"],
                    },
                ),
                (_("Callback satisfaction"), f"{satisfaction}%" if satisfaction is not None else "—"),
                (_("Complaints sent back after a callback"), str(row["complaint_reopens"])),
                (_("Repeat rate"), share(repeats["rate"], repeats["repeats"], repeats["reports"])),
            ]
            if row["R_weight"] is not None:
                label = _("R · on-time work orders (weight %(weight)s%%)") % {"weight": row["R_weight"]}
                lines.append((label, row["R"] if row["R"] is not None else _("no data")))
            width = max(_width(label) for label, _value in lines)
            for label, value in lines:
                write(f"  {label}{' ' * (width - _width(label))}  {value}")


def _width(text: str) -> int:
    """Columns a text takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
