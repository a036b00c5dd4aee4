"""End-to-end fixtures: the real app served by `streamlit run dashboard/server.py` on a free local port, driven by
Playwright in Debian's Chromium (/usr/bin/chromium; Playwright's own browser download is not used)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixed_date import TODAY

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--lang=zh-CN",
]


def pytest_addoption(parser):
    parser.addoption("--screenshots", action="store_true", help="write README screenshots to docs/screenshots")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float, failure: Callable[[], str]) -> None:
    """Wait until `url` answers 200; fail with `failure()` when `process` exits or `seconds` pass.
    For the app servers (`serve`) and the proxy in front of them (test_deployment.nginx)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(failure())
        time.sleep(0.3)


@contextmanager
def serve(database_url: str, extra_env: dict[str, str] | None = None):
    """Start the app on `database_url`; yields its base URL; stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, **(extra_env or {})}
    log_path = Path(tempfile.gettempdir()) / f"pcd-e2e-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/_stcore/health", process, 60,
                      lambda: f"streamlit did not start:\n{log_path.read_text()[-3000:]}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def county_demo_file(tmp_path_factory) -> Path:
    """The county demo as `make run` builds it (seed 2023, ending today) with the demo accounts,
    built once per test process; tests get a copy (`demo_url`)."""
    from data_access import db
    from data_access.accounts import create_demo_accounts
    from data_access.demo.build import build_demo
    from data_access.demo.plan import DemoConfig
    from data_access.demo.regions import XIHE_CODE

    path = tmp_path_factory.mktemp("county-demo") / "demo.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    build_demo(DemoConfig("county", 2023, TODAY), url)
    with db.session_scope(url) as s:
        create_demo_accounts(s, XIHE_CODE)
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def demo_url(county_demo_file, tmp_path) -> str:
    """A fresh copy of the county demo for one test, which may write to it."""
    path = tmp_path / "demo.db"
    shutil.copyfile(county_demo_file, path)
    return f"sqlite:///{path}"


@contextmanager
def served_county(folder: Path, build: Callable[[str], None] | None = None,
                  fill: Callable[[object], None] | None = None):
    """A fresh SQLite database in `folder`, filled by `build(url)` and/or `fill(session)`, with the
    demo accounts of the hand-built county (tests.builders.COUNTY), served; yields (url, base)."""
    from data_access import db
    from data_access.accounts import create_demo_accounts
    from tests import builders as b

    url = f"sqlite:///{folder / 'app.db'}"
    db.upgrade(url)
    if build is not None:
        build(url)
    with db.session_scope(url) as s:
        if fill is not None:
            fill(s)
        create_demo_accounts(s, b.COUNTY)
    try:
        with serve(url) as base:
            yield url, base
    finally:
        db.get_engine(url).dispose()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has run the script to the end (the app reports 'notRunning')."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"], '
                           '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_timeout(500)


def login(page, username: str, password: str) -> None:
    """Log in through the real login page (the page must show it) and wait for the app."""
    page.get_by_label("密码").wait_for(timeout=30_000)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    wait_idle(page)
    for _ in range(100):  # the page exchanges its login ticket for the HttpOnly cookie (dashboard/server.py)
        if any(c["name"] == "pcd_session" for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
