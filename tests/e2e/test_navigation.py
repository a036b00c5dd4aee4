"""Open the running app on the county demo in Chromium and visit every page through the navigation
(`make screenshots` saves each page to docs/screenshots for the README)."""

import pytest
from sqlalchemy import text

from dashboard.navigation import pages_for
from data_access.accounts import create_demo_accounts
from data_access.db import get_engine, session_scope
from tests import builders as b
from tests.e2e.conftest import SCREENSHOTS, login, serve, wait_idle

pytestmark = pytest.mark.browser


# Streamlit's own English that a user could meet; each has a Chinese replacement (README lists the rest).
ENGLISH = ("Choose an option", "Choose options", "Press Enter", "Drag and drop", "Browse files", "per file",
           "yyyy", "Page not found", "Select all", "No results", "Upload")


def english_on_screen(page) -> list[str]:
    """English phrases in what the page shows: text, and the placeholders of its inputs."""
    shown = page.locator("body").inner_text()
    shown += "\n".join(page.eval_on_selector_all("input, textarea", "els => els.map(e => e.placeholder || '')"))
    return [phrase for phrase in ENGLISH if phrase in shown]  # case kept: icon names (upload_file) are lower case


def test_every_page_opens_from_the_navigation(demo_url, page, request):
    with serve(demo_url) as base:
        page.goto(base)
        login(page, "admin", "demo1234")
        for spec in pages_for("admin"):
            page.get_by_role("link", name=spec.title).first.click()
            wait_idle(page)
            assert page.locator("h1").first.inner_text().strip() != ""
            body = page.locator('[data-testid="stMain"]').inner_text()
            assert "Traceback" not in body and "页面暂时无法显示" not in body, spec.title
            assert page.locator('[data-testid="stException"]').count() == 0, spec.title
            assert english_on_screen(page) == [], spec.title
            if request.config.getoption("--screenshots"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}.png"), full_page=True)


def test_a_crashing_page_is_seen_by_the_browser_test(sqlite_url, page):
    """The served app inherits DASHBOARD_RAISE_PAGE_ERRORS from the test run: a page that raises
    (here 政策落实, whose table is gone) shows Streamlit's exception element beside the friendly
    sentence, so the check above fails on a crash."""
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        create_demo_accounts(s, b.COUNTY)
    with get_engine(sqlite_url).begin() as connection:
        connection.execute(text("DROP TABLE policy_deliveries"))
    with serve(sqlite_url) as base:
        page.goto(base)
        login(page, "admin", "demo1234")
        assert page.locator('[data-testid="stException"]').count() == 0  # 工作总览 works
        page.get_by_role("link", name="政策落实").first.click()
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 1
        assert "页面暂时无法显示" in page.locator('[data-testid="stMain"]').inner_text()


def test_a_mistyped_address_is_answered_in_chinese(demo_url, page):
    with serve(demo_url) as base:
        page.goto(base)
        login(page, "admin", "demo1234")
        page.goto(f"{base}/compliancee")  # the cookie keeps the login
        wait_idle(page)
        assert "地址中的页面不存在" in page.locator('[data-testid="stMain"]').inner_text()
        assert english_on_screen(page) == []
