"""two account settings: alarms in calendar events, and hiding the safety advisory

`calendar_alarms`: the calendar feed adds VALARMs only when this is on or the person has no
push device (push reminders would otherwise ring twice). `advisory_dismissed`: "I've talked
to my doctor" hides the safety advisory until the checklist is saved again.

Revision ID: c8f2a6d4e1b7
Revises: e7a1c9d3f5b2
Create Date: 2026-11-30 14:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8f2a6d4e1b7'
down_revision = 'e7a1c9d3f5b2'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, never batch mode: on SQLite batch mode copies "user" into a new table
# and drops the old one, which with foreign keys on deletes every row that cascades from a
# user (tokens, sessions, routines...) and loses the expression index on lower(email).
def upgrade():
    op.add_column(
        'user', sa.Column('calendar_alarms', sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        'user',
        sa.Column('advisory_dismissed', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    # SQLite 3.35+ drops a column in place, as PostgreSQL does.
    op.drop_column('user', 'advisory_dismissed')
    op.drop_column('user', 'calendar_alarms')
