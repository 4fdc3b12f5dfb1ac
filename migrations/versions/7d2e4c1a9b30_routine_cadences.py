"""routine cadences: times per period and weekdays; self-massage tools; per-routine nudge

Existing routines keep their "every N units" cadence (server default "every").

Revision ID: 7d2e4c1a9b30
Revises: 9c3d4e5f6a7b
Create Date: 2026-11-30 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7d2e4c1a9b30'
down_revision = '9c3d4e5f6a7b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('routine', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadence_kind', sa.String(length=10), server_default='every', nullable=False))
        batch_op.add_column(sa.Column('cadence_weekdays', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('tools', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('focus_areas', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('nudge_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('routine', schema=None) as batch_op:
        batch_op.drop_column('nudge_enabled')
        batch_op.drop_column('focus_areas')
        batch_op.drop_column('tools')
        batch_op.drop_column('cadence_weekdays')
        batch_op.drop_column('cadence_kind')
