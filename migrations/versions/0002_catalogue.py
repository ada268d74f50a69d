"""Catalogue: revisions, attachments, notifications, subscriptions; mail claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:28:16.496286

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notification_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscription_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription')),
    sa.UniqueConstraint('user_id', name=op.f('uq_subscription_user_id'))
    )
    op.create_table('subscription_sector',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['sector.id'], name=op.f('fk_subscription_sector_sector_id_sector'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], name=op.f('fk_subscription_sector_subscription_id_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'sector_id', name=op.f('pk_subscription_sector'))
    )
    op.create_table('technology_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('brochure', 'image', name='attachmentkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['technology_id'], ['technology.id'], name=op.f('fk_technology_attachment_technology_id_technology'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technology_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_technology_attachment_stored_name'))
    )
    with op.batch_alter_table('technology_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technology_attachment_technology_id'), ['technology_id'], unique=False)

    op.create_table('technology_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'published', 'rejected', name='revisionstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('base', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('score_total', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_technology_revision_author_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_technology_revision_decided_by_id_users')),
    sa.ForeignKeyConstraint(['technology_id'], ['technology.id'], name=op.f('fk_technology_revision_technology_id_technology'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technology_revision'))
    )
    with op.batch_alter_table('technology_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technology_revision_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_technology_revision_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_technology_revision_technology_id'), ['technology_id'], unique=False)

    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_reminded_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.drop_column('confirm_reminded_at')

    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('technology_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technology_revision_technology_id'))
        batch_op.drop_index(batch_op.f('ix_technology_revision_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_technology_revision_status'))

    op.drop_table('technology_revision')
    with op.batch_alter_table('technology_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technology_attachment_technology_id'))

    op.drop_table('technology_attachment')
    op.drop_table('subscription_sector')
    op.drop_table('subscription')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_unread')
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))

    op.drop_table('notification')
