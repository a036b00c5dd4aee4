"""The app frame: home page figures, filters in the URL, no traceback on a failing page."""

import datetime as dt

import pytest

from data_access.db import session_scope
from tests import builders as b
from tests.apptest import ROOT, app, open_page
from tests.fixed_date import TODAY


@pytest.fixture
def small_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    today = TODAY
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        for village in (b.VILLAGE_A1, b.VILLAGE_B1):
            house = b.household(s, village)
            b.person(s, house, village)
            p = b.pairing(s, house, cadre, today.replace(month=1, day=1) - dt.timedelta(days=400))
            b.contact(s, p, today, "实地走访")
        b.person(s, b.household(s, b.VILLAGE_A2), b.VILLAGE_A2)  # not paired
    return sqlite_url


def test_home_shows_headline_figures(small_db):
    at = open_page("pages/home.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["在册关爱对象"] == "3 人"
    assert metrics["结对覆盖率"] == "66.7%"
    assert metrics["结对干部"] == "1 名"


def test_region_filter_narrows_and_lands_in_url(small_db):
    at = open_page("pages/home.py")
    at.sidebar.selectbox[0].select("西和县").run()
    at.sidebar.selectbox[1].select("汉源镇").run()
    assert {m.label: m.value for m in at.metric}["在册关爱对象"] == "2 人"
    assert at.query_params["region"] in (b.TOWNSHIP_A, [b.TOWNSHIP_A])


def test_shared_link_opens_filtered(small_db):
    at = app()
    at.query_params["region"] = b.TOWNSHIP_B
    at.run()
    assert {m.label: m.value for m in at.metric}["在册关爱对象"] == "1 人"


@pytest.mark.postgres
def test_cached_figures_follow_a_write_by_another_process(postgres_url, monkeypatch):
    """Two app processes share one PostgreSQL: a write committed by the other one (here a separate
    Python process) shows on the next run, although the first run's figures were cached."""
    import subprocess
    import sys

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    with session_scope(postgres_url) as s:
        b.region_tree(s)
        b.person(s, b.household(s))
    at = open_page("pages/home.py")
    assert {m.label: m.value for m in at.metric}["在册关爱对象"] == "1 人"
    other_process = (
        "from data_access.db import session_scope, bump_version\n"
        "from data_access.models import Household\n"
        "from tests import builders as b\n"
        f"with session_scope({postgres_url!r}) as s:\n"
        "    house = Household(code='H-OTHER-PROCESS', village_code=b.VILLAGE_A1)\n"
        "    s.add(house)\n"
        "    s.flush()\n"
        "    b.person(s, house.id, id_number='621225195001010000')\n"
        "    bump_version(s)\n"
    )
    subprocess.run([sys.executable, "-c", other_process], check=True, cwd=str(ROOT))
    at.run()
    assert {m.label: m.value for m in at.metric}["在册关爱对象"] == "2 人"
