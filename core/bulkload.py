"""Bulk inserts for the million-row loads (demo districts, migrations from an old system).

``bulk_insert`` behaves like ``QuerySet.bulk_create`` (objects get their primary keys, no
signals, no ``save()``), but on PostgreSQL it sends the rows with ``COPY … FROM STDIN``.
At district scale the time of ``bulk_create`` goes mostly into Django building one huge
INSERT statement and psycopg adapting every value in Python; COPY streams the rows through
psycopg's C adapters instead, which takes about 40 % off the time spent inserting. On other
databases (SQLite for the demo and the tests) it is ``bulk_create``.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models
from django.utils import timezone

# Field types whose attribute value psycopg can send as it is (str, int, bool, date,
# aware datetime, None), so the per-value get_db_prep_save() call can be skipped. Foreign
# keys are sent by their attname (the raw id). Anything else goes through get_db_prep_save.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _uses_copy() -> bool:
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def bulk_insert[M: models.Model](model: type[M], objs: Sequence[M]) -> Sequence[M]:
    """Insert new objects in one go and set their primary keys; returns them.

    Must run inside a transaction on PostgreSQL (COPY and the id allocation then commit or roll
    back together). Auto-now fields get one timestamp for the whole call.
    """
    if not objs:
        return objs
    if not _uses_copy():
        return model._default_manager.bulk_create(objs)  # type: ignore[return-value]
    meta = model._meta
    fields = list(meta.concrete_fields)
    pk = meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Draw the ids from the table's own identity sequence, so later ordinary inserts
        # continue after them; under concurrent inserts the ranges simply interleave.
        missing = [obj for obj in objs if obj.pk is None]
        if missing:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(meta.db_table), pk.column, len(missing)],
            )
            for obj, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = new_id
        now = timezone.now()
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                for obj in objs:
                    if field.auto_now or getattr(obj, field.attname) is None:  # type: ignore[attr-defined]
                        setattr(obj, field.attname, now)
        # One C-level attrgetter call per row; only the fields that need it are converted.
        getter = operator.attrgetter(*(field.attname for field in fields))
        row_of = getter if len(fields) > 1 else lambda obj: (getter(obj),)
        converted = [
            (index, field) for index, field in enumerate(fields) if field.get_internal_type() not in _PLAIN_TYPES
        ]
        columns = ", ".join(quote(field.column or field.attname) for field in fields)
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row: Any = row_of(obj)
                if converted:
                    row = list(row)
                    for index, field in converted:
                        row[index] = field.get_db_prep_save(row[index], connection)
                copy.write_row(row)
    for obj in objs:
        # As bulk_create does: the objects now stand for saved rows.
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one chunk of a bulk load is built.

    A chunk of 5,000 people is some 100,000 short-lived objects (planned people, their data,
    model instances). The collector would walk them again and again while they are built and
    promote the survivors, which then triggers full collections over everything the process
    holds: a third of the time of a million-person generation went into it. The chunk makes
    almost no reference cycles, reference counting frees it, and the collector picks up the
    few cycles there are when it resumes after the chunk.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
