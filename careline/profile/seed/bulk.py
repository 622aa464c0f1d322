"""Bulk writes of seed rows: PostgreSQL ``COPY`` and SQLite's own ``executemany``.

A million customers is about twenty million rows. Core ``executemany`` spent most of
its time in SQLAlchemy's per-row parameter handling and, on PostgreSQL, in one
``INSERT`` round trip per page of rows. Here each value goes through the column type's
own bind processor for the dialect (so what lands in a column is exactly what an ORM
or Core insert would write: UTC datetimes, SQLite's date text, money as SQLite REAL),
then PostgreSQL takes the rows as one ``COPY … FROM STDIN`` stream per table through
psycopg2's ``copy_expert``, and SQLite as one ``executemany`` of plain tuples on the raw
connection, both inside the caller's transaction. Python-side column defaults are
filled in, since neither path runs SQLAlchemy's insert machinery.
"""

from __future__ import annotations

import io
from typing import Any, Callable, Mapping, Sequence, cast

from sqlalchemy import Boolean, Column, Date, DateTime, String, Table, Text
from sqlalchemy.engine import Connection, Dialect

from careline.profile.models.types import UtcDateTime


def write_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts by column name; missing columns take their default)."""
    if not rows:
        return
    dialect = connection.dialect
    present = set().union(*rows)
    columns = [c for c in table.columns if c.name in present or c.default is not None]
    names = [c.name for c in columns]
    defaults = [c.default.arg if c.default is not None and c.default.is_scalar else None
                for c in columns]
    copying = dialect.name == "postgresql"
    writers = [_writer(column, dialect, copying) for column in columns]
    cursor = connection.connection.cursor()  # the DBAPI connection, in the caller's transaction
    try:
        if copying:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join([
                    "\\N" if value is None else write(value) for write, value in
                    zip(writers, [row.get(n, d) for n, d in zip(names, defaults)])]))
                buffer.write("\n")
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table.name} ({', '.join(names)}) FROM STDIN", buffer)
        else:
            cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})",
                [tuple(None if value is None else write(value) for write, value in
                       zip(writers, [row.get(n, d) for n, d in zip(names, defaults)]))
                 for row in rows])
    finally:
        cursor.close()


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _writer(column: Column, dialect: Dialect, copying: bool) -> Callable[[Any], Any]:
    """What a non-NULL value of ``column`` becomes: its type's bind processor for the
    dialect, then, for COPY, its text (booleans ``t``/``f``, dates ISO, text escaped)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if not copying:
        return process or _same
    if isinstance(column.type, Boolean):
        text: Callable[[Any], str] = _boolean
    elif isinstance(column.type, (String, Text)):
        text = _escaped
    elif isinstance(column.type, (Date, DateTime, UtcDateTime)):
        text = _iso
    else:
        text = str
    return text if process is None else lambda value: text(process(value))


def _same(value: Any) -> Any:
    return value


def _boolean(value: Any) -> str:
    return "t" if value else "f"


def _escaped(value: str) -> str:
    return value.translate(_ESCAPES)


def _iso(value: Any) -> str:
    return cast("str", value.isoformat())
