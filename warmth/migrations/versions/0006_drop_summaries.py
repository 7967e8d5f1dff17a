"""drop the summary tables: the columnar snapshot answers every figure

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
    "summary_totals",
    "summary_records_district",
    "summary_profile_district",
    "summary_reporting",
    "summary_reach_day",
    "summary_records",
    "summary_profile",
)


def upgrade() -> None:
    for name in TABLES:
        op.drop_table(name)


def downgrade() -> None:
    raise RuntimeError("0006 cannot be undone: the summary tables are gone; restore a backup")
