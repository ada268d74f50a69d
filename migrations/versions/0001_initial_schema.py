"""Initial schema

Accounts, organizations, the sector taxonomy (seeded here), technologies, needs, matches, audit events and the
mail outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# slug, Vietnamese name, English name, priority sector, priority weight
SECTORS = [
    ("cang-bien", "Cảng biển", "Seaports", True, 1.5),
    ("logistics", "Logistics", "Logistics", True, 1.5),
    ("cong-nghe-cao", "Công nghiệp công nghệ cao", "High-tech industry", True, 1.5),
    ("nong-nghiep", "Nông nghiệp", "Agriculture", True, 1.5),
    ("thuy-san", "Thủy sản", "Fisheries and aquaculture", False, 1.0),
    ("moi-truong", "Môi trường", "Environment", False, 1.0),
    ("nang-luong", "Năng lượng", "Energy", False, 1.0),
    ("vat-lieu", "Vật liệu", "Materials", False, 1.0),
    ("y-sinh", "Y sinh", "Biomedicine", False, 1.0),
    ("cntt", "Công nghệ thông tin", "Information technology", False, 1.0),
    ("co-khi-che-tao", "Cơ khí chế tạo", "Mechanical engineering and manufacturing", False, 1.0),
    ("xay-dung", "Xây dựng", "Construction", False, 1.0),
    ("hang-khong-vu-tru", "Hàng không vũ trụ", "Aerospace", False, 1.0),
    ("ban-dan", "Bán dẫn", "Semiconductors", False, 1.0),
]


def upgrade():
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('institute', 'firm', 'department', name='organizationkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=True),
    sa.Column('short_name', sa.String(length=60), nullable=True),
    sa.Column('tax_code', sa.String(length=14), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('kind', 'name', name='uq_organization_kind_name'),
    sa.UniqueConstraint('tax_code', name=op.f('uq_organization_tax_code'))
    )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_kind'), ['kind'], unique=False)

    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail'))
    )
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_mail_sent_at'), ['sent_at'], unique=False)

    op.create_table('sector',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('is_priority', sa.Boolean(), nullable=False),
    sa.Column('priority_weight', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sector')),
    sa.UniqueConstraint('slug', name=op.f('uq_sector_slug'))
    )
    sector = sa.table(
        "sector",
        sa.column("slug", sa.String), sa.column("name_vi", sa.String), sa.column("name_en", sa.String),
        sa.column("is_priority", sa.Boolean), sa.column("priority_weight", sa.Float), sa.column("position", sa.Integer),
    )
    op.bulk_insert(sector, [
        {"slug": slug, "name_vi": name_vi, "name_en": name_en, "is_priority": priority, "priority_weight": weight,
         "position": position}
        for position, (slug, name_vi, name_en, priority, weight) in enumerate(SECTORS, start=1)
    ])
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('role', sa.Enum('firm', 'researcher', 'staff', 'admin', name='role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('login_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_users_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('login_token', name=op.f('uq_users_login_token'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_event_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)

    op.create_table('need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('desired_outcome', sa.Text(), nullable=True),
    sa.Column('budget_min', sa.BigInteger(), nullable=True),
    sa.Column('budget_max', sa.BigInteger(), nullable=True),
    sa.Column('timeline', sa.String(length=200), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.Enum('anonymous', 'public', 'staff', name='needvisibility', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'matched', 'closed', name='needstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_need_author_id_users')),
    sa.ForeignKeyConstraint(['firm_id'], ['organization.id'], name=op.f('fk_need_firm_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need')),
    sa.UniqueConstraint('code', name=op.f('uq_need_code'))
    )
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_status'), ['status'], unique=False)

    op.create_table('password_reset_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_token_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_token_hash'))
    )
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_token_user_id'), ['user_id'], unique=False)

    op.create_table('technology',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=False),
    sa.Column('transfer_modes', sa.JSON(), nullable=False),
    sa.Column('price_min', sa.BigInteger(), nullable=True),
    sa.Column('price_max', sa.BigInteger(), nullable=True),
    sa.Column('price_negotiable', sa.Boolean(), nullable=False),
    sa.Column('ip_status', sa.Text(), nullable=True),
    sa.Column('applications', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('confidential_details', sa.Text(), nullable=True),
    sa.Column('confidential_price_terms', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'published', 'rejected', 'archived', name='technologystatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('institute_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('trl BETWEEN 1 AND 9', name=op.f('ck_technology_trl_range')),
    sa.ForeignKeyConstraint(['institute_id'], ['organization.id'], name=op.f('fk_technology_institute_id_organization')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_technology_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technology')),
    sa.UniqueConstraint('code', name=op.f('uq_technology_code'))
    )
    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technology_institute_id'), ['institute_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_technology_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_technology_status'), ['status'], unique=False)

    op.create_table('match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('suggested', 'approved', 'rejected', 'contacted', 'meeting_scheduled', 'negotiating', 'agreement_signed', 'closed_no_deal', name='matchstatus', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('origin', sa.Enum('matcher', 'firm', 'staff', name='matchorigin', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_match_decided_by_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_match_need_id_need'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_match_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['technology_id'], ['technology.id'], name=op.f('fk_match_technology_id_technology'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match')),
    sa.UniqueConstraint('need_id', 'technology_id', name='uq_match_need_technology')
    )
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_technology_id'), ['technology_id'], unique=False)

    op.create_table('need_sector',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_need_sector_need_id_need'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sector_id'], ['sector.id'], name=op.f('fk_need_sector_sector_id_sector'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', 'sector_id', name=op.f('pk_need_sector'))
    )
    op.create_table('technology_sector',
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['sector.id'], name=op.f('fk_technology_sector_sector_id_sector'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technology_id'], ['technology.id'], name=op.f('fk_technology_sector_technology_id_technology'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('technology_id', 'sector_id', name=op.f('pk_technology_sector'))
    )


def downgrade():
    op.drop_table('technology_sector')
    op.drop_table('need_sector')
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_technology_id'))
        batch_op.drop_index(batch_op.f('ix_match_status'))
        batch_op.drop_index(batch_op.f('ix_match_need_id'))

    op.drop_table('match')
    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technology_status'))
        batch_op.drop_index(batch_op.f('ix_technology_owner_id'))
        batch_op.drop_index(batch_op.f('ix_technology_institute_id'))

    op.drop_table('technology')
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_token_user_id'))

    op.drop_table('password_reset_token')
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_status'))
        batch_op.drop_index(batch_op.f('ix_need_firm_id'))
        batch_op.drop_index(batch_op.f('ix_need_author_id'))

    op.drop_table('need')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_action'))

    op.drop_table('audit_event')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))
        batch_op.drop_index(batch_op.f('ix_users_organization_id'))

    op.drop_table('users')
    op.drop_table('sector')
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_sent_at'))

    op.drop_table('outgoing_mail')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_kind'))

    op.drop_table('organization')
