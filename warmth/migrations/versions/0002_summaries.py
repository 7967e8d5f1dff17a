"""summary tables for the dashboard (rebuilt by `warmth refresh`)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_profile",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("cat_mask", sa.BigInteger(), nullable=False),
        sa.Column("reach_mask", sa.BigInteger(), nullable=False),
        sa.Column("repeat_mask", sa.BigInteger(), nullable=False),
        sa.Column("leak_mask", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_summary_profile_district", "summary_profile", ["campaign_id", "district_code"]
    )
    op.create_table(
        "summary_records",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("programme_code", sa.String(length=8), nullable=False),
        sa.Column("cat_mask", sa.BigInteger(), nullable=False),
        sa.Column("matching", sa.Boolean(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("repeat_records", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_summary_records_district", "summary_records", ["campaign_id", "district_code"]
    )
    op.create_table(
        "summary_reach_day",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("slice_kind", sa.String(length=10), nullable=False),
        sa.Column("slice_key", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("newly_reached", sa.Integer(), nullable=False),
        sa.Column("newly_repeat", sa.Integer(), nullable=False),
        sa.Column("newly_overlap", sa.Integer(), nullable=False),
        sa.Column("newly_leakage", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("repeat_records", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_summary_reach_day_slice",
        "summary_reach_day",
        ["campaign_id", "slice_kind", "district_code"],
    )
    op.create_table(
        "summary_reporting",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("department_code", sa.String(length=4), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("last_submitted", sa.Date(), nullable=True),
    )
    op.create_index(
        "ix_summary_reporting_district", "summary_reporting", ["campaign_id", "district_code"]
    )


def downgrade() -> None:
    for name in ("summary_reporting", "summary_reach_day", "summary_records", "summary_profile"):
        op.drop_index(
            f"ix_{name}_" + ("slice" if name == "summary_reach_day" else "district"),
            table_name=name,
        )
        op.drop_table(name)
