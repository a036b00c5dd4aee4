"""No page sends an unpaged long table to the browser (issue 17: "no page sends more than a few
thousand rows"). Every page of the navigation is opened as a county leader on a small county demo
with the row limit lowered to 25 (DASHBOARD_MAX_ROWS, `ui.max_rows`): the demo has 120 cadres and
more than 25 units, so any table of units, cadres, pairings or records that is not paged sends more
than 25 rows and fails here, while at the real limit (2,000) it would only fail at province scale
(`python -m bench.rows` counts them on the province demo)."""

from __future__ import annotations

import pytest

from bench import rows as row_bench
from dashboard.navigation import PAGES, can_open
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.demo.regions import XIHE_CODE
from tests.apptest import ROOT, app, as_user
from tests.fixed_date import TODAY

LIMIT = 25
TABLES = ("dataframe", "table")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from data_access import db

    url = f"sqlite:///{tmp_path_factory.mktemp('rows') / 'demo.db'}"
    db.upgrade(url)
    build_demo(DemoConfig("county", 2023, TODAY, households=120), url)
    yield url
    db.get_engine(url).dispose()


def _sent_tables(at, title: str) -> list[row_bench.Sent]:
    return [s for s in row_bench.sent(at, title) if s.kind in TABLES]


def test_the_demo_has_more_units_and_cadres_than_the_limit(demo):
    """Else an unpaged table of units or cadres would pass unseen."""
    import sqlite3

    with sqlite3.connect(demo.removeprefix("sqlite:///")) as connection:
        units, cadres = connection.execute("SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM cadres)").fetchone()
    assert units > LIMIT and cadres > LIMIT


@pytest.mark.parametrize("spec", [p for p in PAGES if can_open("leader", p.script)], ids=lambda p: p.url_path)
def test_no_page_sends_more_rows_than_a_page(demo, spec, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo)
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", str(LIMIT))
    at = app(timeout=120, user=as_user("leader", "leader", XIHE_CODE))
    at.run()
    if spec.script != "pages/home.py":
        at.switch_page(str(ROOT / spec.script))
        at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert spec.title in [t.value for t in at.title]
    long = [(s.rows, s.label) for s in _sent_tables(at, spec.title) if s.rows > LIMIT]
    assert not long, f"{spec.title} sends tables longer than {LIMIT} rows: {long}"
