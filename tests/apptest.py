"""Helpers for headless page tests (streamlit.testing.v1.AppTest) against a real database."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard" / "app.py")


def app(timeout: float = 30) -> AppTest:
    return AppTest.from_file(ENTRY, default_timeout=timeout)


def open_page(script: str, timeout: float = 30) -> AppTest:
    """Run the entry script, then switch to `script` (a path like 'pages/home.py')."""
    at = app(timeout)
    at.run()
    if script != "pages/home.py":
        at.switch_page(str(ROOT / script))
        at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything a user can read on the page, as one string (for 'no ID number shown' scans)."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.subheader] + [e.value for e in at.info] + [e.value for e in at.error]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)
