"""Find tickets again: the customer's account and a lookup text (name, numbers, cases).

Existing tickets are filled from their stored context package, so history and
search cover them too.

Revision ID: desk_0003
Revises: desk_0002
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "desk_0003"
down_revision = "desk_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        batch.add_column(sa.Column("account_number", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("lookup", sa.Text(), nullable=True))
        batch.create_index("ix_desk_tickets_account_number", ["account_number"])
    connection = op.get_bind()
    tickets = sa.table("desk_tickets", sa.column("id", sa.Integer),
                       sa.column("context_json", sa.Text),
                       sa.column("account_number", sa.String), sa.column("lookup", sa.Text))
    for ticket_id, context in connection.execute(sa.select(tickets.c.id, tickets.c.context_json)):
        package = json.loads(context)
        customer = package.get("customer") or {}
        words = [(package.get("conversation") or {}).get("sender"),  # as lookup_text() orders
                 customer.get("full_name"), customer.get("account_number"),
                 *(line.get("msisdn") for line in customer.get("lines") or ()),
                 *(case.get("reference") for case in customer.get("open_cases") or ())]
        connection.execute(tickets.update().where(tickets.c.id == ticket_id).values(
            account_number=customer.get("account_number"),
            lookup=" ".join(str(w).lower() for w in words if w)))


def downgrade() -> None:
    with op.batch_alter_table("desk_tickets") as batch:
        batch.drop_index("ix_desk_tickets_account_number")
        batch.drop_column("lookup")
        batch.drop_column("account_number")
