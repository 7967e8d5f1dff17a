"""The register's one-registration-per-campaign rule as a unique index of its own

Same guarantee as before (one row per campaign and ID number, for every write on both
backends), held by a unique index instead of a table constraint: a constraint written into
SQLite's CREATE TABLE can never be dropped, an index can, so a bulk load into a new file
(warmth demo) builds it once after the rows instead of growing it row by row.

On SQLite the table is rebuilt (batch mode). `warmth init` runs it with foreign keys off
(warmth.migrate); with them on, the old table's DROP runs an implicit DELETE that cascades
to beneficiary_categories, so those rows are then kept aside in a temporary table and put
back.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

NAME = "uq_beneficiaries_campaign_id_id_number"
COLUMNS = ["campaign_id", "id_number"]
KEEP = "keep_beneficiary_categories"


def _rebuild_sqlite(change) -> None:
    """Run change(batch) on a rebuilt beneficiaries table, its categories kept."""
    # SQLite's driver runs DDL outside the migration's transaction, so an upgrade cut off
    # half way leaves the batch's empty copy behind (the table itself is rolled back)
    op.execute("DROP TABLE IF EXISTS _alembic_tmp_beneficiaries")
    cascades = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if cascades:  # not through warmth init (warmth.migrate turns foreign keys off)
        op.execute(f"CREATE TEMP TABLE {KEEP} AS SELECT * FROM beneficiary_categories")
    with op.batch_alter_table("beneficiaries", recreate="always") as batch:
        change(batch)
    if cascades:
        op.execute(
            "INSERT OR IGNORE INTO beneficiary_categories (beneficiary_id, category_code)"
            f" SELECT beneficiary_id, category_code FROM {KEEP}"
        )
        op.execute(f"DROP TABLE {KEEP}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":

        def to_index(batch) -> None:
            batch.drop_constraint(NAME, type_="unique")

        _rebuild_sqlite(to_index)
    else:
        op.drop_constraint(NAME, "beneficiaries", type_="unique")
    op.create_index(NAME, "beneficiaries", COLUMNS, unique=True)


def downgrade() -> None:
    op.drop_index(NAME, "beneficiaries")
    if op.get_bind().dialect.name == "sqlite":

        def to_constraint(batch) -> None:
            batch.create_unique_constraint(NAME, COLUMNS)

        _rebuild_sqlite(to_constraint)
    else:
        op.create_unique_constraint(NAME, "beneficiaries", COLUMNS)
