"""Real databases for tests: a fresh SQLite file per test, and a fresh PostgreSQL database per test
(created on the server at TEST_POSTGRES_URL, dropped afterwards). No mocks of our own database."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from data_access import db
from tests.fixed_date import TODAY

# A page that raises must fail its test: dashboard/ui.friendly_error re-raises under this setting
# (AppTest runs pages in this process; the e2e server inherits the environment).
os.environ["DASHBOARD_RAISE_PAGE_ERRORS"] = "1"
# ...and names the error (.streamlit/config.toml redacts it for users), so a failing test says what broke.
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"
# One fixed today for the app under test (sidebar default date and every other reading of today).
os.environ["DASHBOARD_TODAY"] = TODAY.isoformat()

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    db.upgrade(url)
    yield url
    db.get_engine(url).dispose()


@pytest.fixture
def postgres_url() -> str:
    """A new, empty, migrated PostgreSQL database. Fails (never skips) when no server answers."""
    name = f"pcd_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - the message names what to start
        pytest.fail(f"PostgreSQL is needed at {POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL): {exc}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db.upgrade(url)
    yield url
    db.get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process, shared by every browser test (tests/e2e and the others): a
    second `sync_playwright()` in the same process fails with "Sync API inside the asyncio loop"."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is needed at {CHROMIUM}: run scripts/ensure-test-services.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
