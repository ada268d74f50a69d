"""Technology: folded text for the database search used while the search engine is unavailable

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa

from matching.text import folded_text


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.add_column(sa.Column('folded_text', sa.Text(), server_default='', nullable=False))

    # Existing listings get their folded text now (new writes keep it up to date in the model).
    technology = sa.table('technology', sa.column('id', sa.Integer), sa.column('title', sa.String),
                          sa.column('title_en', sa.String), sa.column('keywords', sa.JSON),
                          sa.column('summary', sa.Text), sa.column('folded_text', sa.Text))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(technology.c.id, technology.c.title, technology.c.title_en, technology.c.keywords,
                      technology.c.summary).where(technology.c.id > last).order_by(technology.c.id).limit(BATCH)).all()
        if not rows:
            break
        connection.execute(
            technology.update().where(technology.c.id == sa.bindparam('row_id')).values(folded_text=sa.bindparam('text')),
            [{'row_id': row.id, 'text': folded_text(row.title, row.title_en, ' '.join(row.keywords or []), row.summary)}
             for row in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('technology', schema=None) as batch_op:
        batch_op.drop_column('folded_text')
