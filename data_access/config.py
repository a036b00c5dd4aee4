"""Settings read from the environment, in one object (no URLs or secrets in code)."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "dashboard.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    upload_limit_mb: int
    session_idle_minutes: int
    secret_key: str | None
    session_max_hours: int = 12  # a login lasts at most this long, active or not
    login_max_failures: int = 5  # wrong passwords in a row before the account is locked
    login_lock_minutes: int = 15  # first lock; each further lock doubles it (at most a day)
    import_max_rows: int = 100_000  # rows read per sheet of an imported workbook
    import_max_unpacked_mb: int = 256  # bytes an import may unpack (zip members, xlsx XML), counted as read
    import_max_memory_mb: int = 512  # growth of the process's memory while a workbook is read


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_database_url(),
        upload_limit_mb=int(os.environ.get("DASHBOARD_UPLOAD_LIMIT_MB", "50")),
        session_idle_minutes=int(os.environ.get("DASHBOARD_SESSION_IDLE_MINUTES", "30")),
        secret_key=os.environ.get("DASHBOARD_SECRET_KEY"),
        session_max_hours=int(os.environ.get("DASHBOARD_SESSION_MAX_HOURS", "12")),
        login_max_failures=int(os.environ.get("DASHBOARD_LOGIN_MAX_FAILURES", "5")),
        login_lock_minutes=int(os.environ.get("DASHBOARD_LOGIN_LOCK_MINUTES", "15")),
        import_max_rows=int(os.environ.get("DASHBOARD_IMPORT_MAX_ROWS", "100000")),
        import_max_unpacked_mb=int(os.environ.get("DASHBOARD_IMPORT_MAX_UNPACKED_MB", "256")),
        import_max_memory_mb=int(os.environ.get("DASHBOARD_IMPORT_MAX_MEMORY_MB", "512")),
    )


def current_date() -> dt.date:
    """The day the app treats as today (sidebar default date, 'not later than today' checks, the
    day an import is evaluated for): the machine's date, unless DASHBOARD_TODAY=YYYY-MM-DD is set.
    Tests set it (tests/conftest.py) so figures that depend on the day do not change with the
    calendar; a demo or training copy may set it to replay a fixed day. Read here only."""
    fixed = os.environ.get("DASHBOARD_TODAY", "").strip()
    if not fixed:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(fixed)
    except ValueError:
        raise ValueError(f"DASHBOARD_TODAY 应为 YYYY-MM-DD 格式的日期：{fixed}") from None


@functools.cache
def secret_key() -> bytes:
    """DASHBOARD_SECRET_KEY, or a random key kept in data/.session_secret (one host), created
    owner-only. Signs the session cookie and keys the login throttle's names (never stored plain)."""
    configured = get_settings().secret_key
    if configured:
        return configured.encode()
    path = PROJECT_ROOT / "data" / ".session_secret"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():  # written aside, then linked into place: a reader never sees it half-written
        draft = path.with_name(f".session_secret.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            draft.unlink()
    return path.read_bytes().strip()
