"""诉求台账 and 逾期事项 as a user sees them (AppTest on a real SQLite file), on the hand-worked
datasets of test_needs_ledger.py and test_overdue_view.py, viewed as of 2024-06-15."""

import io

import openpyxl
import pytest
from sqlalchemy import select

from data_access.db import session_scope
from data_access.models import AuditEntry, Need, NeedEvent
from tests import builders as b
from tests import test_needs_ledger as ledger
from tests import test_overdue_view as overdue_data
from tests.apptest import app, as_user, downloads, texts

NEEDS_PAGE = "pages/needs.py"
OVERDUE_PAGE = "pages/overdue.py"
TOWN_B_INSPECTOR = as_user("tb", "inspector", b.TOWNSHIP_B, "长道镇督查员")


def open_as_of(script: str, user=None, **params):
    """Open `script` with the sidebar date at D (and any other URL parameters), as a shared link would."""
    from tests.apptest import ADMIN, ROOT

    at = app(user=user or ADMIN)
    at.query_params["asof"] = ledger.D.isoformat()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(str(ROOT / script))
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def ledger_app(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    ledger.build(sqlite_url)
    return sqlite_url


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_ledger_figures_and_list(ledger_app):
    at = open_as_of(NEEDS_PAGE)
    shown = metrics(at)
    assert (shown["办理中"], shown["已逾期"], shown["建议上报"], shown["已办结"]) == ("12 件", "11 件", "8 件", "1 件")
    per_level = at.dataframe[0].value.set_index("责任层级")
    assert per_level.loc["干部个人", ["办理中", "已逾期", "建议上报", "已办结"]].tolist() == [7, 6, 6, 1]
    assert per_level.loc["上级", "已逾期"] == 1
    rows = at.dataframe[1].value
    assert list(rows["诉求编号"])[:3] == ["N04", "N07", "N13"] and len(rows) == 13
    assert "N05" not in set(rows["诉求编号"])  # raised after D


def test_ledger_filters_narrow_the_list(ledger_app):
    at = open_as_of(NEEDS_PAGE)
    at.multiselect(key="needs_categories").select("住房").run()
    assert list(at.dataframe[1].value["诉求编号"]) == ["N04", "N03"]
    at.multiselect(key="needs_categories").unselect("住房").run()
    at.checkbox(key="needs_overdue_only").check().run()
    at.multiselect(key="needs_levels").select("单位").run()
    assert sorted(at.dataframe[1].value["诉求编号"]) == ["N02", "N08", "N09"]
    assert metrics(at)["建议上报"] == "1 件"


def test_escalation_filter_lists_the_proposals(ledger_app):
    at = open_as_of(NEEDS_PAGE)
    at.checkbox(key="needs_escalation_only").check().run()
    rows = at.dataframe[1].value
    assert sorted(rows["诉求编号"]) == ["N04", "N06", "N09", "N10", "N11", "N12", "N13", "N14"]
    assert rows.set_index("诉求编号").loc["N06", "建议上报至"] == "领导小组办公室"
    assert metrics(at)["建议上报"] == "8 件"


def test_detail_shows_history_and_proposes_the_next_level(ledger_app):
    at = open_as_of(NEEDS_PAGE, need="N06")
    page = texts(at)
    assert "N06" in page
    assert "建议上报至“领导小组办公室”" in "\n".join(w.value for w in at.warning)
    history = at.dataframe[-1].value
    assert list(history["事项"]) == ["提出", "上报", "上报"]
    assert list(history["责任层级"]) == ["干部个人", "单位", "上级"]
    assert metrics(at)["逾期天数"] == "76 天"
    family = at.dataframe[2].value
    assert family.loc[0, "身份证号"] == "6212************34" and "621225195001011234" not in page


def test_note_and_escalation_from_the_page(ledger_app):
    at = open_as_of(NEEDS_PAGE, need="N10")
    at.text_area[0].input("已电话联系县司法局")
    at.button(key="FormSubmitter:need_note-保存备注").click().run()
    assert any("备注已保存" in s.value for s in at.success)
    at.text_area[1].input("乡镇调解未成")
    at.button(key="FormSubmitter:need_escalate-上报至“单位”").click().run()
    assert any("已上报至“单位”" in s.value for s in at.success)
    with session_scope(ledger_app) as s:
        need = s.execute(select(Need).where(Need.code == "N10")).scalar_one()
        notes = s.execute(select(NeedEvent.kind, NeedEvent.note).where(NeedEvent.need_id == need.id)
                          .order_by(NeedEvent.id)).all()
        audits = s.execute(select(AuditEntry.username).where(AuditEntry.action == "need_change")).scalars().all()
    assert need.level == "单位" and need.version == 3
    assert notes[1:] == [("备注", "已电话联系县司法局"), ("上报", "乡镇调解未成")]
    assert audits == ["admin", "admin"]


def test_empty_note_is_refused_with_a_message(ledger_app):
    at = open_as_of(NEEDS_PAGE, need="N10")
    at.button(key="FormSubmitter:need_note-保存备注").click().run()
    assert any("请填写备注内容" in e.value for e in at.error)


def test_township_user_sees_only_their_township(ledger_app):
    at = open_as_of(NEEDS_PAGE, user=TOWN_B_INSPECTOR)
    assert list(at.dataframe[1].value["诉求编号"]) == ["N14"]
    at = open_as_of(NEEDS_PAGE, user=TOWN_B_INSPECTOR, need="N06")
    assert any("链接中的诉求（N06）不存在或不在您账号的查看范围内" in e.value for e in at.error)
    assert not any(w.value.startswith("该诉求截至") for w in at.warning)  # nothing of N06 is shown
    with session_scope(ledger_app) as s:
        refused = s.execute(select(AuditEntry.username, AuditEntry.target)
                            .where(AuditEntry.action == "scope_refused")).all()
    assert refused == [("tb", "诉求 N06")]


@pytest.fixture
def overdue_app(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    overdue_data.build(sqlite_url)
    return sqlite_url


def test_overdue_page_counts_rows_and_export(overdue_app):
    at = open_as_of(OVERDUE_PAGE)
    shown = metrics(at)
    assert (shown["逾期事项合计"], shown["逾期诉求"], shown["认门逾期"], shown["提醒督办未回应"], shown["结对断档"]) == (
        "6 项", "3 项", "1 项", "1 项", "1 项")
    towns = at.dataframe[0].value.set_index("乡镇")
    assert towns.loc["汉源镇", "合计"] == 2 + 1 and towns.loc["长道镇", "结对断档"] == 1
    units = at.dataframe[1].value.set_index("工作单位")
    assert units.loc["县民政局", "合计"] == 4
    assert list(at.dataframe[2].value["诉求编号"]) == ["N-c", "N-d", "N-a"]
    assert list(at.dataframe[3].value["干部姓名"]) == ["李华"]
    files = downloads(at)
    book = openpyxl.load_workbook(io.BytesIO(files["导出 Excel（全部明细）"]))
    assert book.sheetnames[:6] == ["按乡镇汇总", "按单位汇总", "逾期诉求", "认门逾期", "提醒督办未回应", "结对断档"]
    with session_scope(overdue_app) as s:
        assert s.execute(select(AuditEntry.target).where(AuditEntry.action == "export")).scalars().all() == ["逾期事项"]


def test_overdue_page_in_a_township(overdue_app):
    at = open_as_of(OVERDUE_PAGE, user=TOWN_B_INSPECTOR)
    assert metrics(at)["逾期事项合计"] == "3 项"
    assert "汉源镇" not in texts(at)
