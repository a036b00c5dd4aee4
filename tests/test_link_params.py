"""Shared links with an as-of date the filters do not offer (before the oldest year, after today,
malformed) open the page with the nearest valid date and a Chinese notice, never an error; the
session keeps working afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.filters import link_date
from tests import builders as b
from tests.apptest import app, as_user, texts

LEADER = as_user("leader1", "leader", b.COUNTY, "县领导")
TODAY = dt.date(2026, 12, 3)
EARLIEST = dt.date(2023, 1, 1)


@pytest.mark.parametrize(("asked", "day", "notice"), [
    ("2024-06-30", dt.date(2024, 6, 30), ""),
    ("2022-12-31", EARLIEST, "链接中的日期 2022-12-31 早于可查看的范围（2023年起），已改为 2023-01-01。"),
    ("1900-01-01", EARLIEST, "链接中的日期 1900-01-01 早于可查看的范围（2023年起），已改为 2023-01-01。"),
    ("2099-01-01", TODAY, "链接中的日期 2099-01-01 晚于今天，已改为今天（2026-12-03）。"),
    ("昨天", TODAY, "链接中的日期“昨天”无法识别，已改为今天（2026-12-03）。"),
    ("9" * 500, TODAY, f"链接中的日期“{'9' * 40}…”无法识别，已改为今天（2026-12-03）。"),
])
def test_link_dates_are_corrected_to_the_nearest_valid_day(asked, day, notice):
    assert link_date(asked, TODAY, EARLIEST) == (day, notice)


@pytest.mark.parametrize("asof", ["1900-01-01", "2022-12-31", "2999-12-31", "not-a-date"])
def test_an_out_of_range_asof_link_opens_the_page_with_a_notice(sqlite_url, monkeypatch, asof):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from data_access.db import session_scope

    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    at = app(user=LEADER)
    at.query_params["asof"] = asof
    at.run()
    assert not at.exception, at.exception
    assert "链接中的日期" in " ".join(w.value for w in at.sidebar.warning)
    at.run()  # the session keeps working
    assert not at.exception, at.exception
    assert "工作总览" in texts(at)


YEARS = [2026, 2025, 2024, 2023]


@pytest.mark.parametrize(("asked", "year", "notice"), [
    ("2024", 2024, ""),
    ("2024年", 2024, ""),
    ("2019", 2023, "链接中的年度 2019 早于可查看的范围（2023年起），已改为 2023年。"),
    ("2099", 2026, "链接中的年度 2099 晚于今年，已改为今年（2026年）。"),
    ("去年", 2026, "链接中的年度“去年”无法识别，已改为今年（2026年）。"),
    ("1" * 300, 2026, f"链接中的年度“{'1' * 40}…”无法识别，已改为今年（2026年）。"),
])
def test_link_years_are_corrected_to_the_nearest_offered_year(asked, year, notice):
    from dashboard.filters import link_year

    assert link_year(asked, YEARS) == (year, notice)


def _open(sqlite_url, monkeypatch, **params):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from data_access.db import session_scope

    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    at = app(user=LEADER)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _warnings(at) -> str:
    return " ".join(w.value for w in at.sidebar.warning if w.value.startswith("链接中的"))


@pytest.mark.parametrize(("region", "shown", "notice"), [
    (b.TOWNSHIP_A + "999", "汉源镇", f"链接中的地区（区划代码 {b.TOWNSHIP_A}999）不存在，已改为上一级的“汉源镇”。"),
    ("汉源镇'--", None, "链接中的地区“汉源镇'--”无法识别，已改为显示您可查看的全部地区。"),
])
def test_a_link_region_is_shown_or_corrected_with_a_notice(sqlite_url, monkeypatch, region, shown, notice):
    at = _open(sqlite_url, monkeypatch, region=region)
    assert _warnings(at) == notice
    chosen = [s.value for s in at.sidebar.selectbox if s.label in ("乡镇", "村（社区）")]
    if shown is None:
        assert chosen[:1] == ["全部"]
    else:
        assert shown in chosen
    at.run()  # the session keeps working
    assert not at.exception, at.exception
    assert "工作总览" in texts(at)


def test_a_link_region_outside_the_scope_is_refused_and_audited(sqlite_url, monkeypatch):
    from sqlalchemy import select

    from data_access.db import session_scope
    from data_access.models import AuditEntry

    at = _open(sqlite_url, monkeypatch, region="621226100")
    assert any("不在您账号的查看范围内" in e.value for e in at.error)
    with session_scope(sqlite_url) as s:
        refused = s.scalars(select(AuditEntry.target).where(AuditEntry.action == "scope_refused")).all()
    assert refused == ["621226100"]


@pytest.mark.parametrize(("year", "asof", "notice"), [
    ("2024", "2024-12-31", ""),
    ("2019", "2023-12-31", "链接中的年度 2019 早于可查看的范围（2023年起），已改为 2023年。"),
])
def test_a_link_year_opens_that_year_or_the_nearest(sqlite_url, monkeypatch, year, asof, notice):
    at = _open(sqlite_url, monkeypatch, year=year)
    assert _warnings(at) == notice
    assert at.sidebar.selectbox(key="flt_year").value == int((asof or "2026")[:4])
    assert at.query_params.get("asof") == ([asof] if asof else None) or at.query_params.get("asof") == asof
    assert "year" not in at.query_params  # the link's as-of date carries the year from now on
    at.run()
    assert not at.exception, at.exception
