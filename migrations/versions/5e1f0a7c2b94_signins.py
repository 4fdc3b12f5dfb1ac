"""sign-ins, and user ids that are never reused

Cookies now name a sign-in (sign_in.token_hash) instead of a user id. The user table gets
AUTOINCREMENT on SQLite, which otherwise hands a deleted account's id to the next account;
PostgreSQL's sequence never repeats, so there is nothing to change there.

Revision ID: 5e1f0a7c2b94
Revises: 148aca57ad2f
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0a7c2b94'
down_revision = '148aca57ad2f'
branch_labels = None
depends_on = None


def _set_sqlite_foreign_keys(on: bool) -> None:
    # PRAGMA foreign_keys is ignored inside a transaction, hence the autocommit block.
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bool(op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()) != on:
        raise RuntimeError("could not switch SQLite foreign keys; refusing to copy the user table")


def _recreate_user_table(autoincrement: bool) -> None:
    """SQLite can only add AUTOINCREMENT by copying the table. With foreign keys on, dropping
    the old copy would cascade into every table that references users, so they go off first."""
    if op.get_bind().dialect.name != "sqlite":
        return
    _set_sqlite_foreign_keys(False)
    op.drop_index('uq_user_email_lower', table_name='user')
    with op.batch_alter_table(
        'user', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ):
        pass
    # Batch mode cannot reflect expression indexes, so this one is rebuilt by hand.
    op.create_index('uq_user_email_lower', 'user', [sa.text('lower(email)')], unique=True)
    _set_sqlite_foreign_keys(True)
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken after copying the user table: {broken[:5]}")


def upgrade():
    op.create_table('sign_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sign_in_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_token_hash'))
    )
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_user_id'), ['user_id'], unique=False)

    _recreate_user_table(autoincrement=True)


def downgrade():
    _recreate_user_table(autoincrement=False)
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_user_id'))

    op.drop_table('sign_in')
