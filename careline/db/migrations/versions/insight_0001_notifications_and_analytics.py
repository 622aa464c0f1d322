"""Proactive care's notification log and incident updates; insight's analytics store.

Revision ID: insight_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "insight_0001"
down_revision = "profile_0001"
branch_labels = ("insight",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proactive_incident_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_incident_updates")),
        sa.UniqueConstraint("incident_id", "version",
                            name="uq_proactive_incident_updates_incident_version"),
    )
    op.create_table(
        "proactive_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(12), nullable=True),
        sa.Column("mode", sa.String(24), nullable=True),
        sa.Column("address", sa.String(128), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("template", sa.String(64), nullable=True),
        sa.Column("template_variables", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_notifications")),
        sa.UniqueConstraint("incident_id", "version", "customer_id",
                            name="uq_proactive_notifications_incident_version_customer"),
    )
    op.create_index("ix_proactive_notifications_customer_id_sent_at",
                    "proactive_notifications", ["customer_id", "sent_at"])
    op.create_index("ix_proactive_notifications_tracker", "proactive_notifications", ["tracker"])

    op.create_table(
        "insight_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("segment", sa.String(16), nullable=True),
        sa.Column("area", sa.String(12), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("driver", sa.String(64), nullable=True),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("frustrated", sa.Boolean(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.Column("sentiment_min", sa.Float(), nullable=True),
        sa.Column("handed_off", sa.Boolean(), nullable=False),
        sa.Column("handoff_reason", sa.String(32), nullable=True),
        sa.Column("handoff_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outage_notice", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_contacts")),
        sa.UniqueConstraint("sender_id", "started_at", name="uq_insight_contacts_sender_started"),
    )
    op.create_index("ix_insight_contacts_started_at", "insight_contacts", ["started_at"])
    op.create_index("ix_insight_contacts_customer_id", "insight_contacts", ["customer_id"])
    op.create_table(
        "insight_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("intent", sa.String(64), nullable=True),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("frustrated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["insight_contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_insight_messages_contact_id_insight_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_messages")),
    )
    op.create_index("ix_insight_messages_contact_id", "insight_messages", ["contact_id"])
    op.create_index("ix_insight_messages_at", "insight_messages", ["at"])
    op.create_table(
        "insight_offsets",
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_insight_offsets")),
    )


def downgrade() -> None:
    op.drop_table("insight_offsets")
    op.drop_index("ix_insight_messages_at", table_name="insight_messages")
    op.drop_index("ix_insight_messages_contact_id", table_name="insight_messages")
    op.drop_table("insight_messages")
    op.drop_index("ix_insight_contacts_customer_id", table_name="insight_contacts")
    op.drop_index("ix_insight_contacts_started_at", table_name="insight_contacts")
    op.drop_table("insight_contacts")
    op.drop_index("ix_proactive_notifications_tracker", table_name="proactive_notifications")
    op.drop_index("ix_proactive_notifications_customer_id_sent_at",
                  table_name="proactive_notifications")
    op.drop_table("proactive_notifications")
    op.drop_table("proactive_incident_updates")
