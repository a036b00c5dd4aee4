"""Daily use without slips (issue 19), in Chromium: after an action the page keeps showing the
record acted on; nothing a user reads is in English."""

from __future__ import annotations

import pytest

from tests import test_needs_ledger as ledger
from tests.e2e.conftest import login, served_county, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ledger_app(tmp_path_factory):
    with served_county(tmp_path_factory.mktemp("ledger"), build=ledger.build) as served:
        yield served


def tick_row(page, table, row: int) -> None:
    """Tick the selection box of `row` (0 = first data row) of a st.dataframe (a canvas grid),
    scrolled into view first as a user would (the 排序 select put 诉求清单 below the fold)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 * (row + 1) + 17)
    wait_idle(page)


def test_after_closing_a_need_the_detail_keeps_showing_it(ledger_app, page):
    _, base = ledger_app
    page.goto(base)
    login(page, "inspector", "demo1234")
    page.locator('[data-testid="stSidebarNavLink"]', has_text="诉求台账").click()
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    tick_row(page, main.locator('[data-testid="stDataFrame"]').nth(1), 0)
    heading = main.locator("h4").first
    picked = heading.inner_text().split(" · ")[0]
    page.get_by_role("tab", name="办结").click()
    page.get_by_label("办结情况").fill("已协调解决，家属确认")
    page.get_by_text("我已核实诉求已解决").click()
    page.get_by_role("button", name="确认办结").click()
    wait_idle(page)
    assert f"{picked}：" in main.locator('[data-testid="stAlert"]').first.inner_text()
    assert page.url.endswith(f"need={picked}")  # the record acted on, not the row now in its place
    assert heading.inner_text().split(" · ")[0] == picked
    assert "已办结" in main.inner_text()
    assert page.get_by_role("tab", name="办结").count() == 0  # no 办理 tabs of another need ready to click


def test_after_logout_the_login_page_lists_no_pages(ledger_app, page):
    _, base = ledger_app
    page.goto(base)
    login(page, "inspector", "demo1234")
    assert page.locator('[data-testid="stSidebarNavLink"]').count() > 0
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.locator('[data-testid="stSidebarNavLink"]').count() == 0
    assert "诉求台账" not in page.locator("body").inner_text()
