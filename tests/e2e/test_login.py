"""Login in a real browser (Chromium): each role logged in through the login page sees exactly its
pages and its region's data; crossing the boundary by a region in the URL or a page path gets a
refusal and an audit entry; a reload or another tab stays logged in (the signed session cookie);
a shared link opened before login lands where it points; logout ends the session on the server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dashboard.navigation import pages_for
from data_access import db
from data_access.accounts import create_demo_accounts
from data_access.db import session_scope
from data_access.models import AuditEntry, User, UserSession
from tests import builders as b
from tests.e2e.conftest import login, serve, wait_idle
from tests.fixed_date import TODAY

pytestmark = pytest.mark.browser

ROLES = {  # demo account → (role, region name, persons in its region)
    "admin": ("admin", "全部地区", "3 人"),
    "leader": ("leader", "西和县", "3 人"),
    "inspector": ("inspector", "西和县", "3 人"),
    "publicity": ("publicity", "西和县", "3 人"),
    "township_leader": ("leader", "汉源镇", "2 人"),
    "township_inspector": ("inspector", "汉源镇", "2 人"),
    "township_clerk": ("clerk", "汉源镇", "2 人"),
}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('login') / 'login.db'}"
    db.upgrade(url)
    today = TODAY
    with session_scope(url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        for village in (b.VILLAGE_A1, b.VILLAGE_A2, b.VILLAGE_B1):
            house = b.household(s, village)
            b.person(s, house, village)
            b.contact(s, b.pairing(s, house, cadre, dt.date(today.year - 1, 1, 1)), today, "实地走访")
        create_demo_accounts(s, b.COUNTY)
    with serve(url) as base:
        yield url, base
    db.get_engine(url).dispose()


def _nav_titles(page) -> set[str]:
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.first.inner_text().lower():
        more.first.click()
    return {t.strip().splitlines()[-1].strip() for t in page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()}


def _settled(page) -> None:
    """Wait until the page shows either the login form or a logged-in app (its logout button)."""
    page.get_by_role("button", name="退出登录").or_(page.get_by_label("密码")).first.wait_for(timeout=30_000)
    wait_idle(page)


def _main(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _audit(url: str, action: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_sees_its_pages_and_its_region(app_url, browser, username):
    url, base = app_url
    role, region, persons = ROLES[username]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(base)
    _settled(page)
    assert page.get_by_label("密码").count() == 1 and "在册关爱对象" not in _main(page)
    login(page, username, "demo1234")
    expected = {spec.title for spec in pages_for(role)}
    shown = _nav_titles(page)
    assert shown == expected or (len(expected) == 1 and not shown), (username, shown ^ expected)
    main = _main(page)
    assert f"{region} · 截至" in main
    assert persons in page.locator('[data-testid="stMetric"]', has_text="在册关爱对象").first.inner_text()
    context.close()


def test_region_outside_the_scope_in_the_url_is_refused(app_url, page):
    url, base = app_url
    page.goto(base)
    login(page, "township_leader", "demo1234")
    page.goto(f"{base}/?region={b.TOWNSHIP_B}")  # same browser: the cookie keeps the login
    wait_idle(page)
    main = _main(page)
    assert f"链接中的地区（区划代码 {b.TOWNSHIP_B}）不在您账号的查看范围内" in main
    assert "汉源镇 · 截至" in main and "2 人" in main
    refused = [e for e in _audit(url, "scope_refused") if e.target == b.TOWNSHIP_B]
    assert refused and refused[-1].username == "township_leader"


def test_page_outside_the_role_by_its_path_is_refused(app_url, page):
    url, base = app_url
    page.goto(base)
    login(page, "inspector", "demo1234")
    page.goto(f"{base}/audit_log")
    wait_idle(page)
    assert "您的账号（督查组）无权打开“审计日志”页面" in _main(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    assert any(e.username == "inspector" and e.target == "审计日志" for e in _audit(url, "scope_refused"))


def test_shared_link_opened_before_login_lands_on_its_page(app_url, page):
    _, base = app_url
    as_of = TODAY - dt.timedelta(days=1)
    page.goto(f"{base}/users?asof={as_of}")
    login(page, "admin", "demo1234")
    assert page.url.split("?")[0].endswith("/users") and f"asof={as_of}" in page.url
    assert "账号管理" in page.locator("h1").first.inner_text()


def _session_cookie(page, context) -> dict:
    """The session cookie, once the login page's exchange of its ticket has come back."""
    for _ in range(50):
        found = [c for c in context.cookies() if c["name"] == "pcd_session"]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError("no session cookie after login")


def test_reload_and_new_tab_stay_logged_in_and_logout_ends_the_session(app_url, browser):
    url, base = app_url
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(base)
    login(page, "leader", "demo1234")
    cookie = _session_cookie(page, context)
    # set by the server (dashboard/server.py), not by script: HttpOnly, invisible to the page's scripts
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    assert cookie["secure"] is False  # served over plain http here; Secure when the request came over https
    assert "pcd_session" not in page.evaluate("document.cookie")
    page.reload()
    _settled(page)
    assert page.get_by_role("button", name="退出登录").count() == 1 and page.get_by_label("密码").count() == 0
    tab = context.new_page()
    tab.goto(base)
    _settled(tab)
    assert tab.get_by_role("button", name="退出登录").count() == 1
    tab.close()

    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for()
    wait_idle(page)
    assert "您已退出登录" in _main(page)
    login(page, "leader", "demo1234")  # logging in again right after a logout keeps the new cookie
    _session_cookie(page, context)
    page.reload()
    _settled(page)
    assert page.get_by_role("button", name="退出登录").count() == 1
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for()
    wait_idle(page)
    assert "pcd_session" not in {c["name"] for c in context.cookies()}
    page.reload()
    _settled(page)
    assert page.get_by_label("密码").count() == 1
    with session_scope(url) as s:  # this browser's session (the newest of leader's) ended on the server
        ended = s.scalars(select(UserSession.ended_at).join(User).where(User.username == "leader")
                          .order_by(UserSession.created_at.desc())).first()
    assert ended is not None
    # the old cookie, replayed in another browser, opens nothing: the session ended on the server
    other = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    other.add_cookies([{**cookie}])
    replay = other.new_page()
    replay.goto(base)
    _settled(replay)
    assert replay.get_by_label("密码").count() == 1
    other.close()
    context.close()
    assert any(e.username == "leader" for e in _audit(url, "logout"))


def test_wrong_password_is_refused_and_audited(app_url, page):
    url, base = app_url
    page.goto(base)
    wait_idle(page)
    page.get_by_label("用户名").fill("publicity")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    wait_idle(page)
    assert "用户名或密码不正确" in _main(page) and page.get_by_role("button", name="退出登录").count() == 0
    assert any(e.username == "publicity" for e in _audit(url, "login_failed"))


def test_inactivity_ends_the_login(app_url, page):
    """With a zero-minute idle limit, the first click after a pause finds the session expired."""
    url, _ = app_url
    with serve(url, {"DASHBOARD_SESSION_IDLE_MINUTES": "0"}) as base:
        page.goto(base)
        login(page, "township_inspector", "demo1234")
        page.wait_for_timeout(2_000)
        page.reload()
        _settled(page)
        assert page.get_by_label("密码").count() == 1 and "登录已失效" in _main(page)
        assert "pcd_session" not in {c["name"] for c in page.context.cookies()}  # the stale cookie is deleted
    expired = [e for e in _audit(url, "session_expired") if e.username == "township_inspector"]
    assert expired and "idle" in expired[-1].detail
