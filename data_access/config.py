"""Settings read from the environment, in one object (no URLs or secrets in code)."""

from __future__ import annotations

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


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_database_url(),
        upload_limit_mb=int(os.environ.get("DASHBOARD_UPLOAD_LIMIT_MB", "50")),
        session_idle_minutes=int(os.environ.get("DASHBOARD_SESSION_IDLE_MINUTES", "30")),
        secret_key=os.environ.get("DASHBOARD_SECRET_KEY"),
    )
