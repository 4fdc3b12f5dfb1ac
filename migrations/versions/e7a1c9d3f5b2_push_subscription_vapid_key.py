"""the VAPID public key each push subscription was made with

After a key rotation (`flask push rotate-keys`), nothing is sent to a subscription made with
another key, and the device list asks the person to open the app on that device, which
subscribes again. Existing rows get '' ("made before keys were recorded"), which
rotate-keys stamps with the key being replaced.

Revision ID: e7a1c9d3f5b2
Revises: b4f8e2d6c1a3
Create Date: 2026-11-30 12:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7a1c9d3f5b2'
down_revision = 'b4f8e2d6c1a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('vapid_key', sa.String(length=100), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_column('vapid_key')
