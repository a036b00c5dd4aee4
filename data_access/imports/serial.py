"""One import at a time per database. Two offices (or one impatient double click, or a cron job
and a person) importing the same workbook at once would each validate against the rows stored
before either wrote, and both store them: contacts without 记录编号 doubled. An import that writes
therefore first takes the database's import lock, held by its own transaction until it commits or
rolls back (a killed import releases it with its connection):

- PostgreSQL: a transaction-level advisory lock (`pg_try_advisory_xact_lock`);
- SQLite: the database's write lock, taken by the import's first statement (a no-op update).

The second import waits up to `WAIT_SECONDS` (it then runs after the first, against its rows, so a
repeated workbook changes nothing, as a sequential repeat does); past that it is refused with a
Chinese message and nothing is written. Previews (dry runs) write nothing and take no lock."""

from __future__ import annotations

import time

from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from data_access import db
from data_access.imports.reading import ImportFileError
from data_access.models import DataVersion

WAIT_SECONDS = 20.0
ADVISORY_KEY = 0x5043_4449  # "PCDI": the import lock's key among the database's advisory locks
BUSY_MESSAGE = ("另一个导入正在进行，为避免重复写入，本次导入没有执行、没有写入任何数据；"
                "请稍等片刻，查看“导入记录”确认前一次导入的结果后再导入")
_SQLITE_TIMEOUT_MS = 30000  # db._sqlite_pragmas' busy timeout, restored after waiting


class ImportBusyError(ImportFileError):
    """Another import holds the database's import lock."""


def take_import_lock(session: Session, wait_seconds: float = WAIT_SECONDS) -> None:
    """Take the import lock inside `session`'s transaction, or raise ImportBusyError."""
    if db.is_postgres(session):
        deadline = time.monotonic() + wait_seconds
        while not session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY}).scalar():
            if time.monotonic() >= deadline:
                raise ImportBusyError(BUSY_MESSAGE)
            time.sleep(0.25)
        return
    connection = session.connection()
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
    try:  # the first write (a no-op on the data version row): SQLite's write lock is held until the commit
        session.execute(update(DataVersion).where(DataVersion.id == 1).values(version=DataVersion.version))
    except OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ImportBusyError(BUSY_MESSAGE) from exc
        raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={_SQLITE_TIMEOUT_MS}")
