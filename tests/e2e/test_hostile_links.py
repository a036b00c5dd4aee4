"""Hostile and careless links in a real browser (Chromium): a shared link with an as-of date before
the year selector's range opens its page with the nearest valid date and a Chinese notice (it used
to show the generic error, and the session stayed broken until reloaded without it); the session
keeps working. A tampered session cookie opens nothing and is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import AuditEntry
from tests import builders as b
from tests.e2e.conftest import login, served_county, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with served_county(tmp_path_factory.mktemp("links"), fill=b.region_tree) as served:
        yield served


def test_old_asof_year_and_region_links_open_with_a_notice_and_the_session_keeps_working(app_url, page):
    _, base = app_url
    page.goto(base)  # the server's first page can be slow on a busy machine
    page.get_by_label("密码").wait_for(timeout=120_000)
    page.goto(f"{base}/coverage?asof=2022-12-31")
    login(page, "leader", "demo1234")
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "链接中的日期 2022-12-31 早于可查看的范围" in sidebar
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "asof=2022" not in page.url
    page.locator('[data-testid="stSidebarNavLink"]', has_text="工作总览").first.click()
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "工作总览" in page.locator("h1").first.inner_text()
    # an old link with a year before the selector's range and a region no longer in the tree
    page.goto(f"{base}/coverage?year=2019&region=621225999")
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)  # the cookie keeps the login
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "链接中的年度 2019 早于可查看的范围（2023年起），已改为 2023年" in sidebar
    assert "链接中的地区（区划代码 621225999）不存在，已改为上一级的“西和县”" in sidebar
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "year=" not in page.url and "asof=2023-12-31" in page.url


def test_a_tampered_cookie_opens_nothing_and_is_audited(app_url, browser):
    url, base = app_url
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "pcd_session", "value": "forged-token.1700000000." + "0" * 32,
                          "domain": host, "path": "/"}])
    page = context.new_page()
    page.goto(base)
    page.get_by_label("密码").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="退出登录").count() == 0
    context.close()
    with session_scope(url) as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "cookie_refused")).all()
    assert refused and "forged-token" in refused[-1].target
