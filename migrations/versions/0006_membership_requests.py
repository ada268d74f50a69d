"""Users: the organization a self-registered user asked to join, until an admin approves

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 20:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_organization_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_requested_organization_id_organization'), 'organization',
                                    ['requested_organization_id'], ['id'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_requested_organization_id_organization'), type_='foreignkey')
        batch_op.drop_column('requested_organization_id')
