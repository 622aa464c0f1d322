"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import DateTime, Numeric
from sqlalchemy.exc import SAWarning
from sqlalchemy.types import TypeDecorator

# SQLite keeps NUMERIC as REAL; SQLAlchemy quantises each value back to the column's
# scale on read, so pounds-and-pence (well under 2**53 pence) come back exact. The
# warning is about that conversion in general and would fire on every query.
warnings.filterwarnings("ignore", message=r"Dialect sqlite\+pysqlite does \*not\* support "
                        r"Decimal objects natively", category=SAWarning)


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes in and out; SQLite stores no zone, so store UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any
                             ) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def Money() -> Numeric:  # noqa: N802  (reads like a type)
    """Pounds and pence, as Decimal."""
    return Numeric(12, 2, asdecimal=True)


def Gigabytes() -> Numeric:  # noqa: N802
    return Numeric(10, 3, asdecimal=True)
