"""ID numbers at rest (keyed hash + sealed copy) and row-level security on PostgreSQL

Existing clear ID numbers are converted in place, given the key (warmth.idkey): an embedded
database that holds only the demo gets a key file of its own; any other one needs
WARMTH_ID_KEY. An SQLite file is rewritten after the upgrade (warmth.migrate), so that no
freed page keeps a clear number. Quarantined rows keep their ID cells masked. On PostgreSQL the people tables
get row-level security (warmth.rls).

Revision ID: 0014
Revises: 0011
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

PEOPLE = ("beneficiaries", "duplicate_registrations", "aid_records", "held_records")
CHUNK = 50_000
CLEAR_ID = re.compile(r"^\s*[0-9]{17}[0-9Xx]\s*$")


def _key(bind):
    from warmth import idkey

    url = bind.engine.url.render_as_string(hide_password=False)
    kinds = set(bind.execute(sa.text("SELECT DISTINCT kind FROM import_batches")).scalars())
    if kinds <= {"demo"}:
        idkey.ensure_demo_key(url)
    return idkey.load(url)


def _convert(bind, table: str, key) -> None:
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT id, id_number FROM {table} WHERE id > :last AND id_cipher IS NULL"
                " ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": CHUNK},
        ).all()
        if not rows:
            return
        numbers = [r.id_number for r in rows]
        hashes, seals = key.protect(numbers)
        bind.execute(
            sa.text(f"UPDATE {table} SET id_number = :h, id_cipher = :c WHERE id = :i"),
            [{"h": h, "c": c, "i": r.id} for h, c, r in zip(hashes, seals, rows, strict=True)],
        )
        last = rows[-1].id


def _mask_quarantine(bind) -> None:
    from warmth.ids import mask_id

    for qid, raw in bind.execute(sa.text("SELECT id, raw FROM quarantine")).all():
        row = json.loads(raw)
        masked = {k: mask_id(v.strip()) if CLEAR_ID.match(str(v)) else v for k, v in row.items()}
        if masked != row:
            bind.execute(
                sa.text("UPDATE quarantine SET raw = :r WHERE id = :i"),
                {"r": json.dumps(masked, ensure_ascii=False), "i": qid},
            )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "id_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(length=16), nullable=False),
    )
    for table in PEOPLE:
        op.add_column(table, sa.Column("id_cipher", sa.String(length=64), nullable=True))
        if bind.dialect.name == "postgresql":  # SQLite does not hold text to a length
            op.alter_column(
                table, "id_number", type_=sa.String(length=32), existing_type=sa.String(18)
            )
    held = sum(
        bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in PEOPLE
    )
    if held:
        key = _key(bind)
        for table in PEOPLE:
            _convert(bind, table, key)
        bind.execute(
            sa.text("INSERT INTO id_key (id, fingerprint) VALUES (1, :f)"),
            {"f": key.fingerprint},
        )
    _mask_quarantine(bind)
    if bind.dialect.name == "postgresql":
        from warmth import rls

        rls.enable(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from warmth import rls

        rls.disable(bind)
    held = sum(
        bind.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in PEOPLE
    )
    key = _key(bind) if held else None
    for table in PEOPLE:  # the clear numbers back from their seals
        if key is not None:
            rows = bind.execute(sa.text(f"SELECT id, id_cipher FROM {table}")).all()
            clear = key.open([r.id_cipher for r in rows])
            bind.execute(
                sa.text(f"UPDATE {table} SET id_number = :n WHERE id = :i"),
                [{"n": n, "i": r.id} for n, r in zip(clear, rows, strict=True)],
            )
        op.drop_column(table, "id_cipher")
    op.drop_table("id_key")
