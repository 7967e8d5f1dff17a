"""district-level summaries, unfiltered totals, index on delivering district

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_aid_records_delivering", "aid_records", ["campaign_id", "district_code"])
    op.create_table(
        "summary_profile_district",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("cat_mask", sa.BigInteger(), nullable=False),
        sa.Column("reach_mask", sa.BigInteger(), nullable=False),
        sa.Column("repeat_mask", sa.BigInteger(), nullable=False),
        sa.Column("leak_mask", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_summary_profile_district_district",
        "summary_profile_district",
        ["campaign_id", "district_code"],
    )
    op.create_table(
        "summary_records_district",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("programme_code", sa.String(length=8), nullable=False),
        sa.Column("cat_mask", sa.BigInteger(), nullable=False),
        sa.Column("matching", sa.Boolean(), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("repeat_records", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_summary_records_district_district",
        "summary_records_district",
        ["campaign_id", "district_code"],
    )
    op.create_table(
        "summary_totals",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("slice_kind", sa.String(length=10), nullable=False),
        sa.Column("slice_key", sa.String(length=8), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("repeat_beneficiaries", sa.Integer(), nullable=False),
        sa.Column("overlap_beneficiaries", sa.Integer(), nullable=False),
        sa.Column("leakage_beneficiaries", sa.Integer(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("repeat_records", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_summary_totals_slice", "summary_totals", ["campaign_id", "slice_kind", "district_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_summary_totals_slice", table_name="summary_totals")
    op.drop_table("summary_totals")
    op.drop_index("ix_summary_records_district_district", table_name="summary_records_district")
    op.drop_table("summary_records_district")
    op.drop_index("ix_summary_profile_district_district", table_name="summary_profile_district")
    op.drop_table("summary_profile_district")
    op.drop_index("ix_aid_records_delivering", table_name="aid_records")
