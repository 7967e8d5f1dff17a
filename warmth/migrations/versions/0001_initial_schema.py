"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 16:37:25.986074
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('new_year', sa.Date(), nullable=True),
    sa.Column('spring_festival', sa.Date(), nullable=True),
    sa.Column('lantern_festival', sa.Date(), nullable=True),
    sa.Column('reporting_deadline', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('code', name=op.f('uq_campaigns_code'))
    )
    op.create_table('categories',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('bit', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_categories')),
    sa.UniqueConstraint('bit', name=op.f('uq_categories_bit'))
    )
    op.create_table('departments',
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('role_in_notice', sa.Text(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_departments'))
    )
    op.create_table('districts',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name_zh', sa.String(length=20), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('pinyin', sa.String(length=60), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('tile_row', sa.Integer(), nullable=False),
    sa.Column('tile_col', sa.Integer(), nullable=False),
    sa.Column('est_population', sa.Integer(), nullable=True),
    sa.Column('est_households', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_districts'))
    )
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('department_code', sa.String(length=4), nullable=True),
    sa.Column('mode', sa.String(length=12), server_default='strict', nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=True),
    sa.Column('rows_in', sa.Integer(), server_default='0', nullable=False),
    sa.Column('inserted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('already_present', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('replaced', sa.Integer(), server_default='0', nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_import_batches_campaign_id_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    sa.UniqueConstraint('campaign_id', 'kind', 'file_sha256', name=op.f('uq_import_batches_campaign_id_kind_file_sha256'))
    )
    op.create_table('programmes',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('department_code', sa.String(length=4), nullable=False),
    sa.Column('name_zh', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('form', sa.String(length=12), nullable=False),
    sa.Column('need', sa.String(length=20), nullable=False),
    sa.Column('standard_amount_fen', sa.Integer(), nullable=True),
    sa.Column('amount_note', sa.Text(), nullable=True),
    sa.Column('bit', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_programmes_department_code_departments')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_programmes')),
    sa.UniqueConstraint('bit', name=op.f('uq_programmes_bit'))
    )
    op.create_table('streets',
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('code_source', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_streets_district_code_districts')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_streets'))
    )
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_streets_district_code'), ['district_code'], unique=False)

    op.create_table('users',
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('may_unmask', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_users_district_code_districts')),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_users'))
    )
    op.create_table('aid_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('submitter', sa.String(length=6), nullable=False),
    sa.Column('record_no', sa.String(length=40), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('programme_code', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('form', sa.String(length=12), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_aid_records_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_aid_records_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_aid_records_district_code_districts')),
    sa.ForeignKeyConstraint(['programme_code'], ['programmes.code'], name=op.f('fk_aid_records_programme_code_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aid_records')),
    sa.UniqueConstraint('campaign_id', 'submitter', 'record_no', name=op.f('uq_aid_records_campaign_id_submitter_record_no'))
    )
    with op.batch_alter_table('aid_records', schema=None) as batch_op:
        batch_op.create_index('ix_aid_records_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_aid_records_person', ['campaign_id', 'id_number'], unique=False)

    op.create_table('beneficiaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=False),
    sa.Column('household_size', sa.SmallInteger(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_beneficiaries_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_beneficiaries_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_beneficiaries_district_code_districts')),
    sa.ForeignKeyConstraint(['street_code'], ['streets.code'], name=op.f('fk_beneficiaries_street_code_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiaries')),
    sa.UniqueConstraint('campaign_id', 'id_number', name=op.f('uq_beneficiaries_campaign_id_id_number'))
    )
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiaries_district', ['campaign_id', 'district_code'], unique=False)
        batch_op.create_index('ix_beneficiaries_street', ['campaign_id', 'street_code'], unique=False)

    op.create_table('duplicate_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=False),
    sa.Column('categories', sa.String(length=120), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_duplicate_registrations_batch_id_import_batches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_duplicate_registrations_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['district_code'], ['districts.code'], name=op.f('fk_duplicate_registrations_district_code_districts')),
    sa.ForeignKeyConstraint(['street_code'], ['streets.code'], name=op.f('fk_duplicate_registrations_street_code_streets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_registrations'))
    )
    with op.batch_alter_table('duplicate_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_duplicate_registrations_campaign', ['campaign_id', 'id_number'], unique=False)

    op.create_table('programme_categories',
    sa.Column('programme_code', sa.String(length=8), nullable=False),
    sa.Column('category_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_programme_categories_category_code_categories')),
    sa.ForeignKeyConstraint(['programme_code'], ['programmes.code'], name=op.f('fk_programme_categories_programme_code_programmes')),
    sa.PrimaryKeyConstraint('programme_code', 'category_code', name=op.f('pk_programme_categories'))
    )
    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_quarantine_batch_id_import_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine'))
    )
    op.create_table('beneficiary_categories',
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_beneficiary_categories_beneficiary_id_beneficiaries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['category_code'], ['categories.code'], name=op.f('fk_beneficiary_categories_category_code_categories')),
    sa.PrimaryKeyConstraint('beneficiary_id', 'category_code', name=op.f('pk_beneficiary_categories'))
    )
    with op.batch_alter_table('beneficiary_categories', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiary_categories_category', ['category_code', 'beneficiary_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('beneficiary_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiary_categories_category')

    op.drop_table('beneficiary_categories')
    op.drop_table('quarantine')
    op.drop_table('programme_categories')
    with op.batch_alter_table('duplicate_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_duplicate_registrations_campaign')

    op.drop_table('duplicate_registrations')
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiaries_street')
        batch_op.drop_index('ix_beneficiaries_district')

    op.drop_table('beneficiaries')
    with op.batch_alter_table('aid_records', schema=None) as batch_op:
        batch_op.drop_index('ix_aid_records_person')
        batch_op.drop_index('ix_aid_records_batch')

    op.drop_table('aid_records')
    op.drop_table('users')
    with op.batch_alter_table('streets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_streets_district_code'))

    op.drop_table('streets')
    op.drop_table('programmes')
    op.drop_table('import_batches')
    op.drop_table('districts')
    op.drop_table('departments')
    op.drop_table('categories')
    op.drop_table('campaigns')
    op.drop_table('audit_log')

