"""Issue 16's "Done when" in a real browser: a leader opens 季考核 for last quarter, freezes it; a
workbook of late records is imported; the leader sees the frozen sheet unchanged beside the recomputed
one with the difference explained, and downloads the workbook and the notice. An inspector records
约谈 on a cadre with an unanswered 督办 and finds it in 干部详情."""

from __future__ import annotations

import io
import subprocess
import sys

import docx
import openpyxl
import pytest
from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import AccountabilityStep, AssessmentRow, Cadre, Household, Pairing
from tests import import_workbooks as wb
from tests.e2e.conftest import ROOT, login, served_county, wait_idle
from tests.test_accountability import _county
from tests.test_assessment import _hand_built

pytestmark = pytest.mark.browser


@pytest.fixture
def app_url(tmp_path):
    with served_county(tmp_path, fill=_hand_built) as served:
        yield served


def _go(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).click()
    wait_idle(page)


def _frozen_rows(url):
    with session_scope(url) as s:
        return [tuple(r) for r in s.execute(select(AssessmentRow.__table__).order_by(AssessmentRow.key))]


def test_leader_freezes_then_late_records_are_explained_and_documents_download(app_url, page, tmp_path):
    url, base = app_url
    page.goto(f"{base}/?asof=2025-10-20")
    login(page, "leader", "demo1234")
    _go(page, "季考核")
    main = page.locator('[data-testid="stMain"]')
    page.get_by_role("button", name="冻结本季度考核结果").click()
    page.get_by_role("button", name="确认冻结").click()
    page.get_by_text("已冻结2025年第三季度考核结果").wait_for(timeout=30_000)
    wait_idle(page)
    assert "已冻结2025年第三季度考核结果（2 个单位、2 个乡镇）" in main.inner_text()
    frozen = _frozen_rows(url)

    with session_scope(url) as s:
        household, cadre = s.execute(select(Household.code, Cadre.code).join(Pairing, Pairing.household_id == Household.id)
                                     .join(Cadre, Cadre.id == Pairing.cadre_id).where(Pairing.id == 2)).one()
    book = wb.write_xlsx(tmp_path / "补录.xlsx", {"联系记录": [
        ["户编号", "干部编号", "日期", "方式", "内容"],
        [household, cadre, "2025-08-03", "实地走访", "补录的走访"],
        [household, cadre, "2025-09-03", "电话", "补录的电话"]]})
    done = subprocess.run([sys.executable, "-m", "dashboard", "--db", url, "import", str(book)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _frozen_rows(url) == frozen

    page.reload()
    wait_idle(page)
    _go(page, "季考核")
    assert "考核结果已冻结：leader于" in main.inner_text()
    page.get_by_role("tab", name="冻结与重算对比").click()
    wait_idle(page)
    text = main.inner_text()
    assert "冻结结果" in text and "按现有记录重算" in text
    assert "冻结后又有数据改变了 1 个工作单位的结果" in text
    assert "已走访（计入） 1→2" in text  # the difference explained

    with page.expect_download() as download:
        page.get_by_role("button", name="下载考核表（Excel）").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))["单位考核"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工作单位", "得分", "联系得分")
    assert ("县民政局", 50.0) in [r[:2] for r in rows[1:]]  # the frozen score, not the recomputed one
    with page.expect_download() as download:
        page.get_by_role("button", name="下载通报（Word）").click()
    paragraphs = [p.text for p in docx.Document(str(download.value.path())).paragraphs]
    assert "关于2025年第3季度结对关爱工作考核情况的通报" in paragraphs


@pytest.fixture
def chain_url(tmp_path):
    with served_county(tmp_path, fill=_county) as served:
        yield served


def test_inspector_records_a_talk_and_finds_it_in_cadre_detail(chain_url, page):
    url, base = chain_url
    page.goto(f"{base}/?asof=2025-09-30")
    login(page, "inspector", "demo1234")
    _go(page, "督办问责")
    main = page.locator('[data-testid="stMain"]')
    table = main.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # tick the first row
    wait_idle(page)
    assert "登记处理：张明" in main.inner_text()
    page.get_by_label("文号").fill("西结办约〔2025〕3号")
    page.get_by_label("情况说明").fill("县结对办约谈张明，要求三日内入户走访")
    page.get_by_role("button", name="登记", exact=True).click()
    wait_idle(page)
    assert "已登记：张明 约谈" in main.inner_text()
    with session_scope(url) as s:
        assert s.scalars(select(AccountabilityStep.step)).all() == ["约谈"]

    _go(page, "干部详情")
    page.get_by_role("tab", name="约谈问责（1）").click()
    wait_idle(page)
    text = main.inner_text()
    assert "张明" in text
    grid = main.locator('[data-testid="stDataFrame"]').last
    assert grid.is_visible()
