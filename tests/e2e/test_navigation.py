"""Open the running app in Chromium and visit every page through the navigation."""

import datetime as dt

import pytest

from dashboard.navigation import pages_for
from data_access.accounts import create_demo_accounts
from data_access.db import session_scope
from tests import builders as b
from tests.e2e.conftest import SCREENSHOTS, login, serve, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_url(sqlite_url):
    today = dt.date.today()
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        house = b.household(s)
        b.person(s, house)
        b.contact(s, b.pairing(s, house, cadre, dt.date(today.year - 1, 1, 1)), today, "实地走访")
        create_demo_accounts(s, b.COUNTY)
    return sqlite_url


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
            if request.config.getoption("--screenshots"):
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{spec.url_path}.png"), full_page=True)
