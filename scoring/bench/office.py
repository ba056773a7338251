"""The office's lists at the benchmark's largest size: the admin change lists (each plain, searched and with its
first filter) and the staff pages' lists, timed with one client in this process (production settings, DEBUG
off), with the queries each page runs.

In-process rather than through gunicorn: one client at a time is what the office is (a clerk paging through a
list), and the figure is the page's own time, Django and PostgreSQL, without a load generator's queueing.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client

from contracts.models import Contract
from inspections.models import Complaint, Inspection, RectificationOrder
from logistics.models import User
from logistics.quarters import Quarter
from scoring.bench.measure import counting_queries

#: p95 of each page, the issue's target
TARGET_MS = 300
REPEAT = 8  # timed requests per page, after one warm-up
OVERVIEW = "quarter overview (every contract)"


def pages(quarter: Quarter) -> list[tuple[str, str]]:
    """(label, URL) of every list measured. The searches look for what a clerk types: an inspection's or a
    complaint's reference, a contract number."""
    number = (
        Inspection.objects.filter(number__isnull=False).order_by("-number").values_list("number", flat=True).first()
        or 1
    )
    complaint = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    order = RectificationOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    contract = Contract.objects.filter(number__startswith="BENCH-").order_by("number").values_list("number", flat=True)
    contract_number = contract.first() or "BENCH-0001"
    reference = f"JC-{number:06d}"
    return [
        ("admin inspections", "/admin/inspections/inspection/"),
        ("  search by reference", f"/admin/inspections/inspection/?q={reference}"),
        ("  search by contract", f"/admin/inspections/inspection/?q={contract_number}"),
        ("  first filter (kind)", "/admin/inspections/inspection/?kind__exact=daily"),
        ("admin complaints", "/admin/inspections/complaint/"),
        ("  search by reference", f"/admin/inspections/complaint/?q=TS-{complaint:06d}"),
        ("  first filter (status)", "/admin/inspections/complaint/?status__exact=closed"),
        ("admin rectification orders", "/admin/inspections/rectificationorder/"),
        ("  search by reference", f"/admin/inspections/rectificationorder/?q=ZG-{order:06d}"),
        ("  search by contract", f"/admin/inspections/rectificationorder/?q={contract_number}"),
        ("  first filter (status)", "/admin/inspections/rectificationorder/?status__exact=verified"),
        ("admin settlements", "/admin/contracts/settlement/"),
        ("  search by contract", f"/admin/contracts/settlement/?q={contract_number}"),
        ("  first filter (quarter)", f"/admin/contracts/settlement/?quarter={quarter.key}"),
        ("admin ledger lines", "/admin/contracts/ledgerline/"),
        ("  search by contract", f"/admin/contracts/ledgerline/?q={contract_number}"),
        ("  first filter (quarter)", f"/admin/contracts/ledgerline/?quarter={quarter.key}"),
        ("inspections page", "/inspections/"),
        ("rectifications page", "/rectifications/"),
        ("complaint queue", "/complaints/"),
        # every contract of the quarter on one page (its target is at N=300, in the web part): for information
        (OVERVIEW, f"/evaluation/{quarter.key}/"),
    ]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def office_user() -> User:
    user, _ = User.objects.get_or_create(username="bench-office-lists", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="office"))
    return user


def run(quarter: Quarter, repeat: int = REPEAT) -> list[dict[str, Any]]:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(office_user())
    figures = []
    for label, url in pages(quarter):
        response = client.get(url, secure=True)  # warm-up: templates, the user's roles
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        times = []
        for _ in range(repeat):
            with counting_queries() as queries:
                started = time.perf_counter()
                client.get(url, secure=True)
                times.append(1000 * (time.perf_counter() - started))
        figures.append(
            {
                "page": label.strip(),
                "label": label,
                "url": url,
                "p50_ms": round(sorted(times)[len(times) // 2], 1),
                "p95_ms": round(p95(times), 1),
                "queries": queries["n"],
                "target": "(information)" if label == OVERVIEW else f"p95 <= {TARGET_MS} ms",
                "met": None if label == OVERVIEW else p95(times) <= TARGET_MS,
            }
        )
    return figures
