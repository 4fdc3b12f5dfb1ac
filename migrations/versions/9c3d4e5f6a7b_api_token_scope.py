"""api token scope: read only, or read and write

Existing tokens could read and write, so they keep "write".

Revision ID: 9c3d4e5f6a7b
Revises: 5e1f0a7c2b94
Create Date: 2026-11-23 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c3d4e5f6a7b'
down_revision = '5e1f0a7c2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=10), server_default='write', nullable=False))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('scope')
