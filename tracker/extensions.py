"""Extension objects, created once at import and bound to an app in create_app()."""

import contextlib
import logging
import os

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()  # bound in accounts.init_app; sent through accounts/mail.py only
log = logging.getLogger(__name__)


class SharedLimiter(Limiter):
    """Says at start-up when per-process counting would multiply every limit (config.py)."""

    def init_app(self, app) -> None:
        super().init_app(app)
        warning = app.config.get("RATELIMIT_STARTUP_WARNING")
        if warning:
            log.warning(warning)  # through the app's logger ("tracker"), on stderr


limiter = SharedLimiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "do_connect")
def _sqlite_file_is_private(dialect, conn_rec, cargs, cparams) -> None:
    """sqlite3 would create a new database file with the umask (usually world-readable), and
    health data has no business being readable by other local users. Create it 0600 first;
    SQLite gives its -wal and -shm files the database file's mode. An existing file keeps its
    mode (O_CREAT without O_EXCL changes nothing)."""
    if dialect.name != "sqlite" or cparams.get("uri") or not cargs:
        return
    name = cargs[0]
    if name and name != ":memory:":
        # A missing folder or a read-only file: sqlite3 reports it as it always has.
        with contextlib.suppress(OSError):
            os.close(os.open(name, os.O_RDONLY | os.O_CREAT, 0o600))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite ignores ON DELETE unless asked; PostgreSQL always honours it.

    Write-ahead logging: readers never wait for the writer (the web workers and the clock
    process share one file), and a commit costs one fsync of the log instead of several
    (POST /api/v1/sessions: ~90 -> ~125 a second in the HTTP benchmark). synchronous stays
    FULL, so a committed entry survives a power cut. (In-memory databases keep their mode.)
    """
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_begin_before_savepoint(conn, name) -> None:
    """pysqlite opens its transaction lazily, at the first INSERT/UPDATE. A SAVEPOINT taken
    before that (idempotent creates use begin_nested) would be the outermost transaction and
    its RELEASE would commit on its own, so a later failed commit could leave half a change.
    Open the real transaction first. Reads still run outside transactions, as pysqlite does,
    so they never hold locks that would make the web and clock processes trip over each other.
    """
    if conn.dialect.name == "sqlite":
        raw = conn.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")
