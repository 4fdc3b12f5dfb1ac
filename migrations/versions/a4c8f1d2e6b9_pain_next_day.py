"""back pain the morning after a session (the next-day check-in)

A nullable 0-10 rating on the session it follows, set from the check-in's one-tap page, the
log form or PATCH /api/v1/sessions. Existing sessions have none. The check-in's own setting
is the `next_day` key of `user.reminder_prefs` (JSON): a user without it follows their
sleep check-in setting, so no data migration is needed.

Revision ID: a4c8f1d2e6b9
Revises: c8f2a6d4e1b7
Create Date: 2026-11-30 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c8f1d2e6b9'
down_revision = 'c8f2a6d4e1b7'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode, so SQLite never copies the table (see c8f2a6d4e1b7).
def upgrade():
    op.add_column('massage_session', sa.Column('pain_next_day', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('massage_session', 'pain_next_day')
