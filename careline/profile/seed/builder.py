"""Collects seed rows per table with explicit ids, then bulk-inserts them with Core.

Explicit ids let a customer's rows reference each other before anything is
written, and ``careline.profile.seed.bulk`` writes each table's rows in one bulk
operation (PostgreSQL ``COPY``), so a million customers take minutes, not hours.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, cast

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from careline.db.base import Base
from careline.profile import models
from careline.profile.enums import BillCategory
from careline.profile.seed.bulk import write_rows

#: Insert order that satisfies every foreign key.
TABLE_ORDER = (
    models.NetworkArea, models.Plan, models.AddOn, models.RoamingDestination, models.Customer,
    models.CustomerIdentity, models.BillingAccount, models.Line, models.LineAddOn,
    models.UsageCycleRow, models.Invoice, models.InvoiceLineRow, models.Payment,
    models.Arrangement, models.ArrangementInstalment, models.Incident, models.IncidentService,
    models.IncidentUpdate, models.Case, models.Interaction,
)


class DatasetBuilder:
    """Rows for one seeding run; ``flush`` writes what has been collected so far."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)
        self._next_id: dict[type, int] = {}
        self.plan_ids: dict[str, int] = {}
        self.add_on_ids: dict[str, int] = {}

    def next_id(self, model: type[Base]) -> int:
        if model not in self._next_id:
            current = self.connection.execute(select(func.max(model.__table__.c.id))).scalar()
            self._next_id[model] = (current or 0) + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def add(self, model: type, **values: Any) -> int:
        """Queue one row; returns its id (allocated here when the table has one)."""
        if "id" not in values and _has_id(model):
            values["id"] = self.next_id(model)
        self.rows[model].append(values)
        return cast("int", values.get("id", 0))

    def add_invoice(self, *, account_id: int, number: str, period: tuple[date, date],
                    issued_on: date, due_on: date, paid: bool,
                    lines: Iterable[tuple[BillCategory, str, Decimal]],
                    vat_rate: Decimal = Decimal("0.20")) -> Decimal:
        """An invoice whose lines get a VAT line and whose total is their sum."""
        items = [(c, d, a.quantize(Decimal("0.01"))) for c, d, a in lines]
        net = sum((a for _, _, a in items), Decimal("0.00"))
        vat = (net * vat_rate).quantize(Decimal("0.01"))
        items.append((BillCategory.TAX, f"VAT at {int(vat_rate * 100)}%", vat))
        total = net + vat
        invoice_id = self.add(models.Invoice, account_id=account_id, invoice_number=number,
                              period_start=period[0], period_end=period[1], issued_on=issued_on,
                              due_on=due_on, total=total,
                              amount_paid=total if paid else Decimal("0.00"))
        for category, description, amount in items:
            self.add(models.InvoiceLineRow, invoice_id=invoice_id, category=category.value,
                     description=description, amount=amount)
        return total

    def flush(self) -> None:
        for model in TABLE_ORDER:
            write_rows(self.connection, model.__table__, self.rows.pop(model, []))

    def fix_sequences(self) -> None:
        """PostgreSQL serial sequences do not see explicit ids; move them past the max."""
        if self.connection.dialect.name != "postgresql":
            return
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


@functools.cache
def _has_id(model: type[Base]) -> bool:
    return "id" in model.__table__.c


@functools.lru_cache(maxsize=1024)
def month_start(day: date, months_back: int = 0) -> date:
    month = day.month - 1 - months_back
    return date(day.year + month // 12, month % 12 + 1, 1)


@functools.lru_cache(maxsize=1024)
def month_end(start: date) -> date:
    following = month_start(start, -1)
    return date.fromordinal(following.toordinal() - 1)

