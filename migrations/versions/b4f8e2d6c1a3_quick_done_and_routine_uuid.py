"""quick "Done" sessions without ratings; a client UUID on routines; "Skip today"

A one-tap "Done" on a self-massage routine stores a session before the person rates it, so
pain_before, pain_after and mood become nullable. Routines get a client_id (UUID) so API
creates are idempotent; existing rows get a fresh UUID each. routine.skipped_on is the local
date a self-massage nudge was skipped ("Skip today"), so that day's nudge is not re-armed.

Revision ID: b4f8e2d6c1a3
Revises: 3f6b2a8d1c47
Create Date: 2026-11-30 12:50:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = 'b4f8e2d6c1a3'
down_revision = '3f6b2a8d1c47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('massage_session', schema=None) as batch_op:
        batch_op.alter_column('pain_before', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('pain_after', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('mood', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('routine', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('skipped_on', sa.Date(), nullable=True))
    routine = sa.table('routine', sa.column('id', sa.Integer), sa.column('client_id', sa.String))
    bind = op.get_bind()
    for (row_id,) in bind.execute(sa.select(routine.c.id)).fetchall():
        bind.execute(
            routine.update().where(routine.c.id == row_id).values(client_id=str(uuid.uuid4()))
        )
    with op.batch_alter_table('routine', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint('uq_routine_user_client', ['user_id', 'client_id'])


def downgrade():
    with op.batch_alter_table('routine', schema=None) as batch_op:
        batch_op.drop_constraint('uq_routine_user_client', type_='unique')
        batch_op.drop_column('skipped_on')
        batch_op.drop_column('client_id')
    # Sessions saved without ratings cannot satisfy NOT NULL again; they are removed.
    op.execute('DELETE FROM massage_session WHERE pain_before IS NULL OR pain_after IS NULL OR mood IS NULL')
    with op.batch_alter_table('massage_session', schema=None) as batch_op:
        batch_op.alter_column('mood', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('pain_after', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('pain_before', existing_type=sa.Integer(), nullable=False)
