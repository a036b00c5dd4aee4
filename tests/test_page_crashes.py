"""A page that raises fails its test (AppTest's `at.exception`) and the page bench, while a user sees
only the friendly sentence: tests set DASHBOARD_RAISE_PAGE_ERRORS=1 (tests/conftest.py)."""

from __future__ import annotations

import pytest

from bench import pages as page_bench
from dashboard.ui import PAGE_ERROR_MESSAGE
from data_access import overdue
from data_access.db import session_scope
from tests import builders as b
from tests.apptest import open_page, texts


def _failing_view(session, *args, **kwargs):
    """逾期事项's query, broken (module level: the page cache finds a query by its name)."""
    raise RuntimeError("逾期事项查询失败（测试注入）")


@pytest.fixture
def db(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    return sqlite_url


def test_a_page_whose_query_raises_fails_its_test(db, monkeypatch):
    monkeypatch.setattr(overdue, "view", _failing_view)
    at = open_page("pages/overdue.py")
    assert at.exception, "a crashing page passed its test"
    assert "逾期事项查询失败" in at.exception[0].message
    assert PAGE_ERROR_MESSAGE in [e.value for e in at.error]  # the user's sentence is still shown


def test_the_same_page_opens_when_its_query_works(db):
    at = open_page("pages/overdue.py")
    assert not at.exception
    assert "没有逾期事项" in texts(at)


def test_users_see_the_sentence_and_no_traceback(db, monkeypatch):
    monkeypatch.delenv("DASHBOARD_RAISE_PAGE_ERRORS")  # as served to users
    monkeypatch.setattr(overdue, "view", _failing_view)
    at = open_page("pages/overdue.py")
    assert not at.exception
    assert [e.value for e in at.error] == [PAGE_ERROR_MESSAGE]
    assert "RuntimeError" not in texts(at) and "Traceback" not in texts(at)


def test_the_page_bench_fails_on_a_crashing_page(db, monkeypatch, capsys):
    monkeypatch.delenv("DASHBOARD_RAISE_PAGE_ERRORS")  # the bench turns it on itself
    monkeypatch.setattr(overdue, "view", _failing_view)
    assert page_bench.main(["--db", db, "--repeat", "1", "--page", "逾期事项", "--page", "工作总览"]) == 1
    out = capsys.readouterr().out
    assert "逾期事项: 出错，未计时 — 逾期事项查询失败（测试注入）" in out
    assert "共 1 个页面出错：逾期事项" in out
    assert any(line.startswith("工作总览") and line.split()[-1].replace(".", "").isdigit() for line in out.splitlines())


def test_the_page_bench_passes_when_every_page_opens(db, capsys):
    assert page_bench.main(["--db", db, "--repeat", "1", "--page", "逾期事项"]) == 0
    assert "出错" not in capsys.readouterr().out
