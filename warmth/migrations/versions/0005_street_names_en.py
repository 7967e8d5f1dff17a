"""streets.name_en: the English name of every street, town and township

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by the reference loader (warmth init) from data/reference/streets.csv.
    with op.batch_alter_table("streets") as batch:
        batch.add_column(sa.Column("name_en", sa.String(80)))


def downgrade() -> None:
    with op.batch_alter_table("streets") as batch:
        batch.drop_column("name_en")
