"""Engines and sessions: one engine per process and URL, SQLite tuned for a shared file (WAL,
foreign keys, busy timeout), schema upgrades through Alembic, and the data version."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from data_access.config import get_settings
from data_access.models import AssessmentInputSet, DataVersion

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for `url` (default: the configured DATABASE_URL, read at call time)."""
    return _engine(_normalise_url(url or get_settings().database_url))


def _pool() -> dict:
    """Connections per process: one per session whose page is running at that moment. SQLAlchemy's
    default (5 + 10 overflow, 30 s wait) failed pages with QueuePool timeouts when 20 sessions
    clicked at once (bench.sessions); DASHBOARD_DB_POOL (default 40) bounds it — with several app
    processes on one PostgreSQL, keep their sum under the server's max_connections (100 by default)."""
    most = max(2, int(os.environ.get("DASHBOARD_DB_POOL", "40")))
    return {"pool_size": min(10, most), "max_overflow": most - min(10, most), "pool_timeout": 120}


@functools.cache
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _owner_only_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30},
                               **(_pool() if parsed.database not in (None, "", ":memory:") else {}))
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # The dashboard's queries are short aggregates: PostgreSQL's JIT spent ~1 s compiling each
        # of them for a few hundred milliseconds of execution (measured on the demo databases).
        engine = create_engine(url, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, **_pool())
    return engine


def _owner_only_file(path: Path) -> None:
    """A new SQLite database's folder (0700) and file (0600) readable by its owner only: it holds
    personal data. SQLite gives its -wal and -shm files the database file's permissions. Existing
    folders and files keep theirs."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    from data_access import notes  # noqa: PLC0415 - notes imports nothing of db; kept lazy for startup

    notes.register_sqlite(dbapi_connection)


def _session_factory(url: str | None) -> sessionmaker[Session]:
    return _sessionmaker(_normalise_url(url or get_settings().database_url))


@functools.cache
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: no partial writes."""
    session = _session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(engine_or_session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


def analyze(bind: Engine | Connection | Session, *tables: str) -> None:
    """PostgreSQL: refresh the planner's statistics of `tables`, for a write that has just filled
    them with a set of rows under a key the statistics do not know yet (a stored evaluation, a
    rebuilt table). Run in `bind`'s transaction (a Connection or Session: it sees the rows written
    there and its statistics commit with them), or in one of its own for an Engine. Without it the
    planner takes a new key for a rare one (about one row): on the province demo each stored date's
    lookups of a county's 4,000 pairings scanned the whole evaluation instead (an import's refresh
    of 13 stored dates 320 s, 45 s after ANALYZE), and 季考核 ran for over 17 minutes. The server's
    autovacuum does not stand in for it: it may be off (as on the bench server), and it analyses a
    table only once a tenth of it changed (a 16th stored evaluation is 6 % of status_rows).
    SQLite: nothing (sqlite_stat1 keeps rows per key on average, not per value: a new key is
    estimated like the others)."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect
    if not tables or dialect.name != "postgresql":
        return
    statement = text(f"ANALYZE {', '.join(tables)}")
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            connection.execute(statement)
    else:
        bind.execute(statement)


def upgrade(url: str | None = None) -> None:
    """Create or migrate the schema to the newest revision (the same migrations on both backends)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = get_engine(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def bump_version(session: Session, *, status_inputs: bool = True, evidence_inputs: bool = True,
                 assessment_inputs: bool = True, signal_inputs: bool = True, gap_inputs: bool = False) -> None:
    """Call inside every write transaction so cached figures are recomputed after it commits.

    `status_inputs=False` is for writes that cannot change any pairing's status (they touch no
    household, pairing or contact): stored status evaluations (compliance.status_rows) stay valid.
    `evidence_inputs=False` (with status_inputs=False) is for writes that cannot change any
    pairing's case evidence either (no person, need, survey or policy delivery: accounts, reminders,
    cases, assessments): the stored case evidence (cases.evidence_store) stays valid.
    `assessment_inputs=False` is for writes that cannot change any ended quarter's 季考核 inputs, or
    that bring the stored ones up to date themselves (assessment_store.keep) in the same transaction:
    the stored inputs valid before this bump are carried over to the new version.
    `signal_inputs=False` is for writes that cannot change any authenticity signal (they touch no
    household, pairing, contact, 回访 or 提醒督办): stored signal evaluations (signal_store) stay
    valid. A write that keeps them valid claims its bumps first (claim_signal_writes), then calls
    signal_store.refresh; a bump by any other write leaves them invalid (read live, never stale).
    `gap_inputs` (implied by `status_inputs`): the write can change what gap_store keeps (needs,
    cadres' status); the write keeps it with gap_store.keep, or its readers read live."""
    values = {"version": DataVersion.version + 1}
    if status_inputs:
        values["status_version"] = DataVersion.status_version + 1
    if status_inputs or evidence_inputs:
        values["evidence_version"] = DataVersion.evidence_version + 1
    if signal_inputs:
        values["signal_version"] = DataVersion.signal_version + 1
    if status_inputs or gap_inputs:
        values["gap_version"] = DataVersion.gap_version + 1
    table = DataVersion.__table__
    bumped = session.execute(
        update(table).where(table.c.id == 1).values(**values).returning(table.c.signal_version)
    ).scalar_one()
    if not assessment_inputs:
        # the row lock just taken orders this after every other writer's bump (PostgreSQL)
        new = session.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
        session.execute(update(AssessmentInputSet).where(AssessmentInputSet.data_version == new - 1)
                        .values(data_version=new).execution_options(synchronize_session=False))
    if signal_inputs:
        run = _signal_run(session)
        if run["before"] is None:
            run["before"] = bumped - 1
        if not run["claimed"]:  # a write that does not refresh the stored signals: none can be carried over
            run["poisoned"] = True


_SIGNAL_RUN = "signal_version_run"


def _signal_run(session: Session) -> dict:
    """This transaction's bumps of signal_version since the stored signals were last carried over."""
    run = session.info.get(_SIGNAL_RUN)
    if run is None or run["transaction"] is not session.get_transaction():
        run = session.info[_SIGNAL_RUN] = {"transaction": session.get_transaction(), "before": None,
                                           "claimed": False, "poisoned": False}
    return run


def claim_signal_writes(session: Session) -> None:
    """Called by a write that refreshes the stored signals (signal_store.refresh), before it writes:
    the bumps until that refresh are its own."""
    session.connection()  # the transaction begun, so the claim is on it
    _signal_run(session)["claimed"] = True


def signal_version_before(session: Session) -> int | None:
    """The signal_version before the bumps a claiming write made in this transaction (read back from
    the updates themselves, so a concurrent writer's bump is never mistaken for one), or None: no
    bump, or a bump by a write that did not claim (its changes are not known to be read again)."""
    run = _signal_run(session)
    return None if run["poisoned"] else run["before"]


def signal_writes_carried(session: Session) -> None:
    """The stored signals are carried over to the current signal_version: later bumps start afresh."""
    run = _signal_run(session)
    run.update(before=None, claimed=False)


def signal_version(session: Session) -> int:
    """The counter of writes that can change an authenticity signal (see bump_version)."""
    return session.execute(select(DataVersion.signal_version).where(DataVersion.id == 1)).scalar_one()


def status_version(session: Session) -> int:
    """The counter of writes that can change a pairing's status (see bump_version)."""
    return session.execute(select(DataVersion.status_version).where(DataVersion.id == 1)).scalar_one()


def evidence_version(session: Session) -> int:
    """The counter of writes that can change a pairing's case evidence (see bump_version)."""
    return session.execute(select(DataVersion.evidence_version).where(DataVersion.id == 1)).scalar_one()


def data_version(url: str | None = None) -> int:
    with get_engine(url).connect() as connection:
        return connection.execute(select(DataVersion.version).where(DataVersion.id == 1)).scalar_one()
