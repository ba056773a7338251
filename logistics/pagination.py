"""Pagination of big lists: the admin's and the staff pages'."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

#: a list of more rows than this, unfiltered, shows PostgreSQL's estimate of its size instead of counting it
ESTIMATE_ABOVE = 100_000


class EstimatingPaginator(Paginator):
    """Counts a list exactly, except an unfiltered list of a big table on PostgreSQL, whose size is the planner's
    estimate (``pg_class.reltuples``, kept by autovacuum's ANALYZE): counting 500,000 inspections on every page
    of the admin costs more than showing them. A filtered or searched list is counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count
