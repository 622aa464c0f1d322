"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import DateTime, Numeric
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped
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


class FixedDecimal(TypeDecorator):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped
    """NUMERIC(p, s) as :class:`Decimal` on every backend.

    PostgreSQL stores NUMERIC exactly. SQLite keeps it as REAL, so values go
    in as floats and come back through their shortest repr, quantised to the
    scale: exact for pounds and pence (far below 2**53 pence).
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(self.impl.precision, self.impl.scale,
                                                   asdecimal=False))
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        value = Decimal(value).quantize(self._quantum)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Any) -> Optional[Decimal]:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._quantum)


def Money() -> FixedDecimal:  # noqa: N802  (reads like a type)
    """Pounds and pence."""
    return FixedDecimal(12, 2)


def Gigabytes() -> FixedDecimal:  # noqa: N802
    return FixedDecimal(10, 3)
