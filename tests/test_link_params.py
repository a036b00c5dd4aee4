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
