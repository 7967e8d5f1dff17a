"""users: four roles, several districts or departments per user, disabled, who changed it

Revision ID: 0010
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_ROLES = {"city": "city_admin"}  # the one city role of before: it could do everything


def upgrade() -> None:
    conn = op.get_bind()
    # read first: recreating the users table on SQLite must not meet rows that refer to it
    old = conn.execute(sa.text("SELECT email, district_code FROM users")).all()
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_district_code_districts", type_="foreignkey")
        batch.drop_column("district_code")
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("changed_by", sa.String(length=120), nullable=True))
    for before, after in OLD_ROLES.items():
        conn.execute(
            sa.text("UPDATE users SET role = :after WHERE role = :before"),
            {"before": before, "after": after},
        )
    districts = op.create_table(
        "user_districts",
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["email"], ["users.email"], name=op.f("fk_user_districts_email_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["districts.code"],
            name=op.f("fk_user_districts_district_code_districts"),
        ),
        sa.PrimaryKeyConstraint("email", "district_code", name=op.f("pk_user_districts")),
    )  # fmt: skip
    op.create_table(
        "user_departments",
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("department_code", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["email"], ["users.email"], name=op.f("fk_user_departments_email_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_code"], ["departments.code"],
            name=op.f("fk_user_departments_department_code_departments"),
        ),
        sa.PrimaryKeyConstraint("email", "department_code", name=op.f("pk_user_departments")),
    )  # fmt: skip
    kept = [{"email": e, "district_code": d} for e, d in old if d]
    if kept:
        op.bulk_insert(districts, kept)


def downgrade() -> None:
    conn = op.get_bind()
    first = conn.execute(
        sa.text("SELECT email, MIN(district_code) FROM user_districts GROUP BY email")
    ).all()
    op.drop_table("user_departments")
    op.drop_table("user_districts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("changed_by")
        batch.drop_column("changed_at")
        batch.drop_column("disabled")
        batch.add_column(sa.Column("district_code", sa.String(length=6), nullable=True))
        batch.create_foreign_key(
            "fk_users_district_code_districts", "districts", ["district_code"], ["code"]
        )
    conn.execute(sa.text("UPDATE users SET role = 'city' WHERE role LIKE 'city%'"))
    for email, district in first:
        conn.execute(
            sa.text("UPDATE users SET district_code = :d WHERE email = :e"),
            {"d": district, "e": email},
        )
