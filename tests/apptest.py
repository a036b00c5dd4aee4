"""Helpers for headless page tests (streamlit.testing.v1.AppTest) against a real database."""

from __future__ import annotations

from pathlib import Path

from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.auth import APPTEST_USER

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard" / "app.py")


ADMIN = {"username": "admin", "role": "admin", "region_code": "", "display_name": "系统管理员"}


def as_user(username: str, role: str, region_code: str, display_name: str = "") -> dict:
    """A logged-in user for `app`/`open_page` (e.g. as_user("tl", "leader", TOWNSHIP_A))."""
    return {"username": username, "role": role, "region_code": region_code, "display_name": display_name}


def app(timeout: float = 30, user: dict | None = ADMIN) -> AppTest:
    """The entry script with `user` logged in (admin by default; None shows the login page).

    Uses the AppTest-only hook of dashboard/auth.py; a served app ignores it."""
    config.set_option("client.showErrorDetails", "full")  # a failing test names the error (users: redacted)
    at = AppTest.from_file(ENTRY, default_timeout=timeout)
    if user is not None:
        at.session_state[APPTEST_USER] = dict(user)
    return at


def open_page(script: str, timeout: float = 30, user: dict | None = ADMIN) -> AppTest:
    """Run the entry script as `user` (admin by default), then switch to `script` (a path like
    'pages/home.py')."""
    at = app(timeout, user)
    at.run()
    if script != "pages/home.py":
        at.switch_page(str(ROOT / script))
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything a user can read on the page, as one string (for 'no ID number shown' scans)."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.subheader] + [e.value for e in at.info] + [e.value for e in at.error]
    parts += [e.value for e in at.warning] + [e.value for e in at.success] + [e.value for e in at.text]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe] + [t.value.to_csv() for t in at.table]
    return "\n".join(str(p) for p in parts)



def downloads(at: AppTest) -> dict[str, bytes]:
    """The bytes behind every download button on the page (label → content), as a user who
    clicked each would receive them; a deferred download (data=callable) is generated here.
    Runs the page once more to keep hold of the run's media files."""
    from streamlit.testing.v1 import app_test as module

    managers = []

    class Keeping(module.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    module.MediaFileManager = Keeping
    try:
        at.run()
    finally:
        module.MediaFileManager = Keeping.__bases__[0]
    files = {}
    for button in at.get("download_button"):
        proto = button.proto
        url = managers[-1].execute_deferred(proto.deferred_file_id) if proto.deferred_file_id else proto.url
        files[proto.label] = managers[-1]._storage.get_file(url.rsplit("/", 1)[-1]).content
    return files
