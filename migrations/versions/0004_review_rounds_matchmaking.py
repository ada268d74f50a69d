"""Review, lifecycle, rounds, matchmaking sessions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:32:30.845643

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposal_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_reference', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_proposal_round_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_round')),
    sa.UniqueConstraint('name', name=op.f('uq_proposal_round_name'))
    )
    with op.batch_alter_table('proposal_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_round_deadline'), ['deadline'], unique=False)

    op.create_table('matchmaking_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_matchmaking_event_created_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['proposal_round.id'], name=op.f('fk_matchmaking_event_round_id_proposal_round'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matchmaking_event'))
    )
    with op.batch_alter_table('matchmaking_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matchmaking_event_held_on'), ['held_on'], unique=False)

    op.create_table('event_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['matchmaking_event.id'], name=op.f('fk_event_slot_event_id_matchmaking_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_slot'))
    )
    with op.batch_alter_table('event_slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_slot_event_id'), ['event_id'], unique=False)

    op.create_table('event_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['matchmaking_event.id'], name=op.f('fk_event_table_event_id_matchmaking_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_table'))
    )
    with op.batch_alter_table('event_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_table_event_id'), ['event_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('table_id', sa.Integer(), nullable=True),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Enum('negotiating', 'agreement_signed', 'no_deal', 'absent', name='meetingoutcome', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['matchmaking_event.id'], name=op.f('fk_meeting_event_id_matchmaking_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['match_id'], ['match.id'], name=op.f('fk_meeting_match_id_match'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['event_slot.id'], name=op.f('fk_meeting_slot_id_event_slot'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['table_id'], ['event_table.id'], name=op.f('fk_meeting_table_id_event_table'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('event_id', 'match_id', name='uq_meeting_event_match'),
    sa.UniqueConstraint('slot_id', 'table_id', name='uq_meeting_slot_table')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_match_id'), ['match_id'], unique=False)

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('firm_response', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('firm_responded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('researcher_response', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('researcher_responded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('decline_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('declined_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transfer_mode', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('contract_value', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminders_sent', sa.Integer(), nullable=False, server_default='0'))
        # Enum columns as text with a named CHECK, as the models declare them (see models.base.str_enum).
        batch_op.create_check_constraint(batch_op.f('ck_match_firm_response'), "firm_response IN ('accepted', 'declined')")
        batch_op.create_check_constraint(batch_op.f('ck_match_researcher_response'), "researcher_response IN ('accepted', 'declined')")
        batch_op.create_check_constraint(batch_op.f('ck_match_declinereason'), "decline_reason IN ('not_relevant', 'too_expensive', 'not_ready', 'timing', 'already_solved', 'other')")
        batch_op.create_check_constraint(batch_op.f('ck_match_transfermode'), "transfer_mode IN ('license', 'turnkey', 'consulting', 'joint_venture', 'training')")
        batch_op.create_index(batch_op.f('ix_match_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_status_changed_at'), ['status_changed_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_match_declined_by_id_users'), 'users', ['declined_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_match_round_id_proposal_round'), 'proposal_round', ['round_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_need_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_need_round_id_proposal_round'), 'proposal_round', ['round_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('need', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_need_round_id_proposal_round'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_need_round_id'))
        batch_op.drop_column('round_id')

    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_match_round_id_proposal_round'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_match_declined_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_match_status_changed_at'))
        batch_op.drop_index(batch_op.f('ix_match_round_id'))
        # The CHECK constraints of the enum columns go first (SQLite's batch copy would keep them).
        for name in ('transfermode', 'declinereason', 'researcher_response', 'firm_response'):
            batch_op.drop_constraint(batch_op.f(f'ck_match_{name}'), type_='check')
        batch_op.drop_column('reminders_sent')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('signed_on')
        batch_op.drop_column('contract_value')
        batch_op.drop_column('transfer_mode')
        batch_op.drop_column('declined_by_id')
        batch_op.drop_column('decline_comment')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('researcher_responded_at')
        batch_op.drop_column('researcher_response')
        batch_op.drop_column('firm_responded_at')
        batch_op.drop_column('firm_response')
        batch_op.drop_column('round_id')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_match_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_event_id'))

    op.drop_table('meeting')
    with op.batch_alter_table('event_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_table_event_id'))

    op.drop_table('event_table')
    with op.batch_alter_table('event_slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_slot_event_id'))

    op.drop_table('event_slot')
    with op.batch_alter_table('matchmaking_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matchmaking_event_held_on'))

    op.drop_table('matchmaking_event')
    with op.batch_alter_table('proposal_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_round_deadline'))

    op.drop_table('proposal_round')
