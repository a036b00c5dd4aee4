"""Issue 15's "Done when", in Chromium on the county demo: an inspector finds the planted back-filled
batches (集中补录) and copied notes (雷同记录) on 真实性核查, opens the records behind one cadre's
signal, issues a 督办 and schedules a 回访 from the row, enters the 回访 result on 回访核实 (the family
says the cadre never came, while visits are recorded) and sees 回访不符 appear for that cadre.
Every step goes through the navigation and the widgets (a full page load would start a new session)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from data_access import signals
from data_access.db import session_scope
from data_access.models import ReturnVisitTask, Satisfaction, SupervisionAction
from data_access.policy import load_policy
from data_access.scope import Scope
from tests.e2e.conftest import login, serve, wait_idle
from tests.e2e.test_navigation import english_on_screen
from tests.fixed_date import TODAY

pytestmark = pytest.mark.browser

COUNTY = "621225"
# The signals of the county's year are computed when the page first asks (cached after); on a loaded
# machine that can take longer than wait_idle's default.
SLOW = 180_000


def _go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    wait_idle(page, SLOW)


def _metric(page, label: str) -> str:
    return page.locator('[data-testid="stMetric"]', has_text=label).first.inner_text()


def _select(page, label: str, option: str) -> None:
    """Pick `option` in the select labelled `label` (opened again if a rerun closed its list)."""
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    for attempt in range(3):
        box.click()
        page.keyboard.type(option)  # the list is long and drawn lazily: narrow it to the option
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_idle(page, SLOW)
    wait_idle(page, SLOW)


def _shows(page, text: str) -> None:
    """Wait until the page shows `text` (after a click that reruns the page) and has run to the end."""
    page.locator('[data-testid="stMain"]').get_by_text(text).first.wait_for(timeout=SLOW)
    wait_idle(page, SLOW)


def _tick_first_row(page, table) -> None:
    """Tick the selection box of the first data row of a st.dataframe (a canvas grid)."""
    table.wait_for()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    wait_idle(page, SLOW)


def _cadres(url: str, signal: str | None = None):
    with session_scope(url) as s:
        return signals.cadre_signals(s, Scope.for_region(COUNTY), TODAY, load_policy(s),
                                     signals.SignalFilter(signal=signal))


def test_inspector_checks_a_cadre_from_the_signals_page(demo_url, page, tmp_path):
    everyone = _cadres(demo_url)
    batch, repeated = (int((everyone[name] > 0).sum()) for name in (signals.BATCH, signals.REPEATED))
    assert batch > 0 and repeated > 0  # the demo plants both
    worst = everyone.iloc[0]
    assert worst[signals.BATCH] > 0 and worst[signals.DISAGREES] == 0
    copier = _cadres(demo_url, signals.REPEATED).iloc[0]

    def look(name: str, anchor: str | None = None) -> None:
        """A screenshot (kept with the test's files) scrolled to `anchor`; no English, no crash."""
        if anchor:
            page.locator('[data-testid="stMain"]').get_by_text(anchor).first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        assert english_on_screen(page) == [], name
        assert page.locator('[data-testid="stException"]').count() == 0, name

    with serve(demo_url) as base:
        page.goto(base)
        login(page, "inspector", "demo1234")  # 工作总览
        _go(page, "真实性核查")
        main = page.locator('[data-testid="stMain"]')
        assert f"{batch} 人" in _metric(page, signals.BATCH)
        assert f"{repeated} 人" in _metric(page, signals.REPEATED)
        look("1-signals")

        # The copied notes: only cadres with 雷同记录, the worst first; their records side by side.
        _select(page, "信号", signals.REPEATED)
        _shows(page, f"共 {repeated} 名干部")
        assert f"共 {repeated} 名干部" in main.inner_text()
        _tick_first_row(page, main.locator('[data-testid="stDataFrame"]').first)
        _shows(page, f"{copier['干部姓名']}（{copier['干部编号']}，")
        assert f"{signals.REPEATED}：{int(copier[signals.REPEATED])} 条" in main.inner_text()
        _shows(page, "内容相同（去掉空格标点后）的记录排在一起")
        look("2-copied-notes", "内容相同（去掉空格标点后）")

        # The back-filled batches: all signals again; the worst cadre has a 集中补录.
        _select(page, "信号", "全部")
        _tick_first_row(page, main.locator('[data-testid="stDataFrame"]').first)
        heading = f"{worst['干部姓名']}（{worst['干部编号']}，{worst['工作单位']}）"
        _shows(page, f"{signals.BATCH}：{int(worst[signals.BATCH])} 条")
        assert heading in main.inner_text()
        page.get_by_text(f"{signals.BATCH}：{int(worst[signals.BATCH])} 条").click()
        wait_idle(page, SLOW)
        look("3-batch-records", f"{signals.BATCH}：")

        # From the row: a 督办, then a 回访 of each of the cadre's households.
        page.get_by_role("button", name="发出督办").click()
        _shows(page, f"已向{worst['干部姓名']}发出督办")
        assert heading in main.inner_text()  # the page still shows the cadre acted on
        page.get_by_role("button", name="安排回访").click()
        _shows(page, "已安排回访 1 户")
        assert "回访人 县督查组（演示）" in main.inner_text()
        look("4-acted", "已安排回访")
        with session_scope(demo_url) as s:
            cadre_id = int(worst["cadre_id"])
            issued = s.scalars(select(SupervisionAction).where(SupervisionAction.cadre_id == cadre_id,
                                                               SupervisionAction.reason.like("%真实性核查发现%"))).all()
            assert issued and {(a.kind, a.issued_date) for a in issued} == {("督办", TODAY)}
            task = s.scalars(select(ReturnVisitTask).where(ReturnVisitTask.cadre_id == cadre_id)).one()

        # 回访核实: the family says the cadre never came, while visits are recorded.
        _go(page, "回访核实")
        assert "我的待回访任务（1）" in main.inner_text()
        _select(page, "干部是否上门", "否")
        _select(page, "满意度", "不满意")
        page.get_by_label("说明（可选）").fill("家属说干部只打过电话，没有到家里来")
        page.get_by_role("button", name="登记结果").click()
        _shows(page, f"已登记任务 {task.id}")
        assert "干部没上门" in main.inner_text()
        look("5-result", "已登记任务")
        with session_scope(demo_url) as s:
            done = s.get(ReturnVisitTask, task.id)
            survey = s.get(Satisfaction, done.satisfaction_id)
            assert (done.status, survey.cadre_id, survey.survey_date, survey.cadre_came) == ("已回访", cadre_id, TODAY, "否")

        # Back on 真实性核查: 回访不符 for that cadre, with the 回访 behind it.
        _go(page, "真实性核查")
        _select(page, "信号", signals.DISAGREES)
        _select(page, "查看干部的记录明细", heading)
        _shows(page, f"{signals.DISAGREES}：1 条")
        look("6-disagrees", f"{signals.DISAGREES}：1 条")
    assert _cadres(demo_url, signals.DISAGREES).set_index("cadre_id").loc[cadre_id, signals.DISAGREES] == 1
