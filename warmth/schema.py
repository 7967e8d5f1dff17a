"""The tables, as SQLAlchemy Core metadata. Alembic migrations create and upgrade them.

Money is integer fen (1 yuan = 100 fen), never float. Codes are the notice's and GB/T 2260's.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("window_start", sa.Date, nullable=False),
    sa.Column("window_end", sa.Date, nullable=False),
    sa.Column("new_year", sa.Date),
    sa.Column("spring_festival", sa.Date),
    sa.Column("lantern_festival", sa.Date),
    sa.Column("reporting_deadline", sa.Date),
)

districts = sa.Table(
    "districts",
    metadata,
    sa.Column("code", sa.String(6), primary_key=True),
    sa.Column("name_zh", sa.String(20), nullable=False),
    sa.Column("name_en", sa.String(60), nullable=False),
    sa.Column("pinyin", sa.String(60)),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("tile_row", sa.Integer, nullable=False),
    sa.Column("tile_col", sa.Integer, nullable=False),
    sa.Column("est_population", sa.Integer),
    sa.Column("est_households", sa.Integer),
)

streets = sa.Table(
    "streets",
    metadata,
    sa.Column("code", sa.String(9), primary_key=True),
    sa.Column("district_code", sa.ForeignKey("districts.code"), nullable=False, index=True),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(80)),  # romanised, checked by a person (scripts/street_names.py)
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("status", sa.String(40)),
    sa.Column("code_source", sa.String(10)),
)

departments = sa.Table(
    "departments",
    metadata,
    sa.Column("code", sa.String(4), primary_key=True),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("role_in_notice", sa.Text),
    sa.Column("sort_order", sa.Integer, nullable=False),
)

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("name_zh", sa.String(40), nullable=False),
    sa.Column("name_en", sa.String(120), nullable=False),
    sa.Column("unit", sa.String(10), nullable=False),
    sa.Column("bit", sa.Integer, nullable=False, unique=True),
)

programmes = sa.Table(
    "programmes",
    metadata,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("department_code", sa.ForeignKey("departments.code"), nullable=False),
    sa.Column("name_zh", sa.String(60), nullable=False),
    sa.Column("name_en", sa.String(160), nullable=False),
    sa.Column("form", sa.String(12), nullable=False),
    sa.Column("need", sa.String(20), nullable=False),
    sa.Column("standard_amount_fen", sa.Integer),
    sa.Column("amount_note", sa.Text),
    sa.Column("bit", sa.Integer, nullable=False, unique=True),
)

programme_categories = sa.Table(
    "programme_categories",
    metadata,
    sa.Column("programme_code", sa.ForeignKey("programmes.code"), primary_key=True),
    sa.Column("category_code", sa.ForeignKey("categories.code"), primary_key=True),
)

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # register | aid | demo
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("district_code", sa.String(6)),
    sa.Column("department_code", sa.String(4)),
    sa.Column("mode", sa.String(12), nullable=False, server_default="strict"),
    sa.Column("submitted_by", sa.String(120), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("encoding", sa.String(20)),
    sa.Column("rows_in", sa.Integer, nullable=False, server_default="0"),
    sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("already_present", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("replaced", sa.Integer, nullable=False, server_default="0"),
    # aid records for people registered in a district outside the uploader's scope: kept in
    # held_records until that district accepts or rejects them
    sa.Column("held", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(12), nullable=False),  # imported | undone
    sa.Column("report", sa.Text),  # JSON: errors and warnings, masked
    sa.UniqueConstraint("campaign_id", "kind", "file_sha256"),
)

beneficiaries = sa.Table(
    "beneficiaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("id_number", sa.String(32), nullable=False),  # keyed hash (warmth.idkey)
    sa.Column("id_cipher", sa.String(64)),  # the number sealed (warmth.idkey); always written
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("district_code", sa.ForeignKey("districts.code"), nullable=False),
    sa.Column("street_code", sa.ForeignKey("streets.code"), nullable=False),
    sa.Column("household_size", sa.SmallInteger),
    sa.Column("address", sa.String(200)),
    sa.Column("batch_id", sa.ForeignKey("import_batches.id")),
    # one registration per campaign and ID number: an index, not a table constraint, so that
    # a bulk load into a new SQLite file can build it after the rows (migration 0015)
    sa.Index("uq_beneficiaries_campaign_id_id_number", "campaign_id", "id_number", unique=True),
    sa.Index("ix_beneficiaries_street", "campaign_id", "street_code"),
    sa.Index("ix_beneficiaries_district", "campaign_id", "district_code"),
)

beneficiary_categories = sa.Table(
    "beneficiary_categories",
    metadata,
    sa.Column(
        "beneficiary_id", sa.ForeignKey("beneficiaries.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("category_code", sa.ForeignKey("categories.code"), primary_key=True),
    sa.Index("ix_beneficiary_categories_category", "category_code", "beneficiary_id"),
)

# A second registration of an ID number already registered (in another district) for the
# campaign: kept for the cross-district duplicate report, never counted as a beneficiary.
duplicate_registrations = sa.Table(
    "duplicate_registrations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("id_number", sa.String(32), nullable=False),  # keyed hash (warmth.idkey)
    sa.Column("id_cipher", sa.String(64)),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("district_code", sa.ForeignKey("districts.code"), nullable=False),
    sa.Column("street_code", sa.ForeignKey("streets.code"), nullable=False),
    sa.Column("categories", sa.String(120), nullable=False),
    sa.Column("batch_id", sa.ForeignKey("import_batches.id")),
    sa.Index("ix_duplicate_registrations_campaign", "campaign_id", "id_number"),
)

aid_records = sa.Table(
    "aid_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("submitter", sa.String(6), nullable=False),  # district code or department code
    sa.Column("record_no", sa.String(40), nullable=False),
    sa.Column("id_number", sa.String(32), nullable=False),  # keyed hash (warmth.idkey)
    sa.Column("id_cipher", sa.String(64)),
    sa.Column("programme_code", sa.ForeignKey("programmes.code"), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("form", sa.String(12), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("district_code", sa.ForeignKey("districts.code")),  # delivering district
    sa.Column("batch_id", sa.ForeignKey("import_batches.id")),
    sa.UniqueConstraint("campaign_id", "submitter", "record_no"),
    sa.Index("ix_aid_records_person", "campaign_id", "id_number"),
    sa.Index("ix_aid_records_batch", "batch_id"),
)

# An aid record a district (or department) submitted for a person registered in a district
# outside its scope: it changes no figure until the person's district accepts it (then it
# is copied to aid_records with the same batch and submitter) or rejects it.
held_records = sa.Table(
    "held_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("batch_id", sa.ForeignKey("import_batches.id"), nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("owner_district", sa.ForeignKey("districts.code"), nullable=False),
    sa.Column("submitter", sa.String(6), nullable=False),
    sa.Column("record_no", sa.String(40), nullable=False),
    sa.Column("id_number", sa.String(32), nullable=False),  # keyed hash (warmth.idkey)
    sa.Column("id_cipher", sa.String(64)),  # the number sealed (warmth.idkey)
    sa.Column("programme_code", sa.ForeignKey("programmes.code"), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("form", sa.String(12), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("district_code", sa.ForeignKey("districts.code")),  # delivering district
    sa.Column("status", sa.String(10), nullable=False),  # held | accepted | rejected
    sa.Column("decided_by", sa.String(120)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Index("ix_held_records_owner", "campaign_id", "owner_district", "status"),
    sa.Index("ix_held_records_batch", "batch_id"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_id", sa.ForeignKey("import_batches.id", ondelete="CASCADE"), nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),  # JSON of the row as submitted
    sa.Column("reason", sa.Text, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # view|export|upload|reveal|denied|init
    sa.Column("detail", sa.Text),  # JSON: filters, file name, reason
    sa.Column("row_count", sa.Integer),
    sa.Column("file_sha256", sa.String(64)),
)

# Who may see what (warmth.users, `warmth users ...`): the role, the districts of a district
# user, the departments of a department user. Unknown or disabled users see nothing.
users = sa.Table(
    "users",
    metadata,
    sa.Column("email", sa.String(120), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),  # city_admin|city_viewer|district|department
    sa.Column("may_unmask", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("changed_at", sa.DateTime(timezone=True)),
    sa.Column("changed_by", sa.String(120)),
)

user_districts = sa.Table(
    "user_districts",
    metadata,
    sa.Column("email", sa.ForeignKey("users.email", ondelete="CASCADE"), primary_key=True),
    sa.Column("district_code", sa.ForeignKey("districts.code"), primary_key=True),
)

user_departments = sa.Table(
    "user_departments",
    metadata,
    sa.Column("email", sa.ForeignKey("users.email", ondelete="CASCADE"), primary_key=True),
    sa.Column("department_code", sa.ForeignKey("departments.code"), primary_key=True),
)


# One row (id 1): the data version that every write bumps (warmth/versions.py).
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)

# Per data version made by an aid batch added or removed (nothing else): which batch, so
# that a snapshot can apply it instead of re-reading districts (warmth.snapshot.store);
# or by one campaign's data loaded whole, so that the other campaigns' snapshots stand.
data_changes = sa.Table(
    "data_changes",
    metadata,
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # versions.CHANGE_KINDS
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("campaign_id", sa.Integer, nullable=False),
)

# One row: a random token made with the database, so that snapshot files kept beside a
# database that was deleted and made again are never taken for the new one's.
database_identity = sa.Table(
    "database_identity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token", sa.String(32), nullable=False),
)

# One row: the fingerprint of the key that hashes and seals ID numbers (warmth.idkey); the
# key itself is never in the database.
id_key = sa.Table(
    "id_key",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("fingerprint", sa.String(16), nullable=False),
)

# Per district: the data version of its last change (what a snapshot shard was read at).
district_versions = sa.Table(
    "district_versions",
    metadata,
    sa.Column("district_code", sa.String(6), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

# The snapshot's shard of a district reads the records delivered there (warmth.snapshot).
sa.Index("ix_aid_records_delivering", aid_records.c.campaign_id, aid_records.c.district_code)
