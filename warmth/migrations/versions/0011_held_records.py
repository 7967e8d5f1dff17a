"""held records: aid records for people of another district, waiting for that district

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("held", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "held_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column(
            "batch_id", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=False
        ),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column(
            "owner_district", sa.String(6), sa.ForeignKey("districts.code"), nullable=False
        ),
        sa.Column("submitter", sa.String(6), nullable=False),
        sa.Column("record_no", sa.String(40), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False),
        sa.Column(
            "programme_code", sa.String(8), sa.ForeignKey("programmes.code"), nullable=False
        ),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("form", sa.String(12), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("district_code", sa.String(6), sa.ForeignKey("districts.code")),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(120)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_held_records_owner", "held_records", ["campaign_id", "owner_district", "status"]
    )
    op.create_index("ix_held_records_batch", "held_records", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_held_records_batch", "held_records")
    op.drop_index("ix_held_records_owner", "held_records")
    op.drop_table("held_records")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("held")
