"""Fast inserts for the few places that write tens of thousands of rows at once (the quarter close's ledger).

Django's ``bulk_create`` prepares every value of every row in Python; for 20,000 ledger lines and their
20,000 history rows that is most of the quarter close. Here the rows are written with COPY on PostgreSQL
(``executemany`` elsewhere), and their audit history is copied from the written rows by one
``INSERT ... SELECT`` in the database, so the history stays exactly what simple-history would write.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

# bulk_create / bulk_history_create write one statement where the database allows it (Django splits for
# SQLite's parameter limit)
BATCH = 100_000
# bulk_update writes one CASE per column that PostgreSQL evaluates row by row: quadratic in the batch, so a
# recompute that changes 19,000 ledger lines goes in batches (a first close updates nothing)
UPDATE_BATCH = 1000


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    """How to turn a Python value of ``field`` into what the driver takes (decided once per column)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, cls=encoder)
    if connection.vendor == "postgresql":
        return lambda v: v  # COPY reads numbers, strings, booleans, dates and aware datetimes as Python prints them
    return lambda v: None if v is None else field.get_db_prep_save(v, connection)


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert plain rows (values in ``attnames`` order; every other column takes its field default)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    given = [fields[name] for name in attnames]
    missing = [f for f in model._meta.concrete_fields if f.attname not in attnames and not f.primary_key]
    fill = [_preparer(f)(f.get_default()) for f in missing]
    prepare = [_preparer(f) for f in given]
    columns = [f.column for f in (*given, *missing)]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    prepared = ([p(v) for p, v in zip(prepare, row, strict=True)] + fill for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stream = _CsvStream(prepared)
            cursor.cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", stream)
            return stream.count
        batch = list(prepared)
        if not batch:
            return 0
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch)
        return len(batch)


class _CsvStream(io.TextIOBase):
    """A file COPY reads from, written as it is read: the rows are never all in memory as text."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self._rows = iter(rows)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)
        self._pending = ""
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._pending) < size:
            try:
                row = next(self._rows)
            except StopIteration:
                break
            self._writer.writerow([r"\N" if v is None else v for v in row])
            self.count += 1
            if self._buffer.tell() > 65536:
                self._pending += self._buffer.getvalue()
                self._buffer.seek(0)
                self._buffer.truncate()
        self._pending += self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        if size < 0:
            size = len(self._pending)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk

    def readline(self, size: int = -1) -> str:  # COPY uses read(); here for file-likeness
        return self.read(size)


def copy_history(
    model: type[models.Model],
    *,
    where: str,
    params: Sequence[Any],
    history_type: str,
    reason: str,
    user_id: int | None,
    when: dt.datetime,
) -> None:
    """Write one simple-history row per row of ``model`` matching ``where`` (SQL on the model's table)."""
    history = model.history.model
    table = connection.ops.quote_name(model._meta.db_table)
    hist_table = connection.ops.quote_name(history._meta.db_table)
    names = {f.name for f in history._meta.concrete_fields}
    copied = [f.column for f in model._meta.concrete_fields if f.name in names]
    quoted = ", ".join(connection.ops.quote_name(c) for c in copied)
    date_field = history._meta.get_field("history_date")
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    values = [date_field.get_db_prep_save(when, connection), reason, history_type, user_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {hist_table} ({quoted}, {', '.join(extra)}) "
            f"SELECT {quoted}, %s, %s, %s, %s FROM {table} WHERE {where}",
            [*values, *params],
        )


def create_with_history(model: type[models.Model], rows: Sequence[models.Model], *, reason: str) -> None:
    """``bulk_create`` and one history row per created row (simple-history does not see bulk writes)."""
    if rows:
        model._default_manager.bulk_create(rows, batch_size=BATCH)
        model.history.bulk_history_create(rows, batch_size=BATCH, default_change_reason=reason)


def update_with_history(
    model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str], *, reason: str
) -> None:
    """``bulk_update`` and one history row per changed row. The plain queryset: an audited one would add a
    second history row per row (its "bulk update"); the callers checked the rows may change."""
    if rows:
        models.QuerySet(model=model).bulk_update(rows, list(fields), batch_size=UPDATE_BATCH)
        model.history.bulk_history_create(rows, update=True, batch_size=BATCH, default_change_reason=reason)


def copy_history_where_in(
    model: type[models.Model],
    column: str,
    ids: Sequence[int],
    *,
    also: str = "",
    also_params: Sequence[Any] = (),
    history_type: str,
    reason: str,
    user_id: int | None,
    when: dt.datetime,
) -> None:
    """``copy_history`` of the rows whose ``column`` is one of ``ids`` (and ``also``, SQL), in as few statements
    as the database takes (SQLite: at most 999 parameters per statement)."""
    step = len(ids) if connection.vendor == "postgresql" else 500
    for first in range(0, len(ids), step or 1):
        chunk = ids[first : first + step]
        where = f"{connection.ops.quote_name(column)} IN ({', '.join(['%s'] * len(chunk))})"
        copy_history(
            model,
            where=f"{where} AND {also}" if also else where,
            params=[*chunk, *also_params],
            history_type=history_type,
            reason=reason,
            user_id=user_id,
            when=when,
        )
