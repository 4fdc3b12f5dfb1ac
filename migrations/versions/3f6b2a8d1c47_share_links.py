"""share links: expiring, revocable read-only links to the therapist summary

Revision ID: 3f6b2a8d1c47
Revises: 7d2e4c1a9b30
Create Date: 2026-11-30 12:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3f6b2a8d1c47'
down_revision = '7d2e4c1a9b30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('range_key', sa.String(length=8), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('all_notes', sa.Boolean(), nullable=False),
    sa.Column('show_initials', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_share_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_share_link_token_hash'))
    )
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_link_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('share_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_link_user_id'))

    op.drop_table('share_link')
