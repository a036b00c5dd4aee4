"""季考核 as a user meets it: the page (AppTest on a real SQLite file) for a leader and an inspector,
freezing from the page, and `python -m dashboard report assessment` (a subprocess, SQLite and
PostgreSQL) with the issue's exact columns."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import time

import openpyxl
import pytest
from sqlalchemy import insert, select

from data_access.db import bump_version, session_scope
from data_access.models import AssessmentFreeze, AuditEntry, Contact
from tests import builders as b
from tests.apptest import ROOT, app, as_user, downloads, texts
from tests.test_assessment import _hand_built

LEADER = as_user("leader1", "leader", b.COUNTY, "县领导")
INSPECTOR = as_user("insp", "inspector", b.COUNTY, "督查组")
REPORT_COLUMNS = ["工作单位", "得分", "联系得分", "走访得分", "诉求得分", "满意度得分", "督办得分", "等级", "排名"]


@pytest.fixture
def county(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        _hand_built(s)
    return sqlite_url


def open_page(user):
    at = app(user=user)
    at.query_params["asof"] = "2025-10-20"
    at.run()
    at.switch_page(str(ROOT / "pages/assessment.py"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_leader_sees_scores_freezes_and_downloads(county):
    at = open_page(LEADER)
    assert at.selectbox(key="as_quarter").value.code == "2025Q3"
    units = at.dataframe[0].value
    assert list(units["工作单位"]) == ["县卫健局", "县民政局"]
    assert list(units["得分"]) == [82.4, 50.0] and list(units["等级"]) == ["较好", "差"]
    assert "尚未冻结" in texts(at) or "按现有记录计算" in texts(at)
    at.button(key="as_freeze").click().run()
    assert not at.exception, at.exception
    assert any("已冻结2025年第三季度考核结果（2 个单位、2 个乡镇）" in s.value for s in at.success)
    assert any("考核结果已冻结：leader1于" in i.value for i in at.info)
    with session_scope(county) as s:
        assert s.scalar(select(AssessmentFreeze.frozen_by)) == "leader1"
    files = downloads(at)
    book = openpyxl.load_workbook(io.BytesIO(files["下载考核表（Excel）"]))
    assert [c.value for c in book["单位考核"][1]] == REPORT_COLUMNS
    assert "乡镇考核" in book.sheetnames and "考核设置" in book.sheetnames
    notice = files["下载通报（Word）"]
    from docx import Document
    text = "\n".join(p.text for p in Document(io.BytesIO(notice)).paragraphs)
    assert "关于2025年第3季度结对关爱工作考核情况的通报" in text
    assert "考核等级为“差”的单位：县民政局" in text
    with session_scope(county) as s:
        exported = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")).all()
    assert len(exported) == 2
    # a 走访 dated in the quarter entered after the freeze: listed under 冻结与重算对比
    assert "冻结后没有补录日期在本季度内的联系记录或满意度回访。" in texts(at)
    time.sleep(1.1)  # entry times are compared to the second the freeze was stored at
    with session_scope(county) as s:
        s.execute(insert(Contact), [{"pairing_id": 2, "contact_date": dt.date(2025, 8, 9), "method": "实地走访"}])
        bump_version(s)
    at.run()
    assert not at.exception, at.exception
    late = next(d.value for d in at.dataframe if "录入时间" in d.value.columns)
    assert late[["工作单位", "记录", "干部", "日期"]].values.tolist() == [
        ["县民政局", "联系记录（实地走访）", "张明", dt.date(2025, 8, 9)]]


def test_inspector_reads_but_cannot_freeze(county):
    at = open_page(INSPECTOR)
    assert list(at.dataframe[0].value["工作单位"]) == ["县卫健局", "县民政局"]
    assert not [b for b in at.button if b.key == "as_freeze"]


def test_publicity_cannot_open_it(county):
    at = app(user=as_user("pub", "publicity", b.COUNTY))
    at.run()
    at.switch_page(str(ROOT / "pages/assessment.py"))
    at.run()
    assert any("无权打开“季考核”" in e.value for e in at.error)


def run(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "--db", url, "report", "assessment", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_report_xlsx_and_csv(db_url, tmp_path):
    with session_scope(db_url) as s:
        _hand_built(s)
    out = tmp_path / "考核.xlsx"
    done = run(db_url, "--quarter", "2025Q3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    rows = list(book["单位考核"].iter_rows(values_only=True))
    assert list(rows[0]) == REPORT_COLUMNS
    assert rows[1] == ("县卫健局", 82.4, 100.0, 100.0, 0.0, None, 100.0, "较好", 1)
    assert rows[2] == ("县民政局", 50.0, 66.7, 50.0, 50.0, 50.0, 0.0, "差", 2)
    towns = list(book["乡镇考核"].iter_rows(values_only=True))
    assert towns[0][0] == "乡镇" and {r[0] for r in towns[1:]} == {"汉源镇", "长道镇"}

    csv = tmp_path / "考核.csv"
    done = run(db_url, "--quarter", "2025q3", "--region", b.TOWNSHIP_B, "--out", str(csv))
    assert done.returncode == 0, done.stderr
    lines = csv.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(REPORT_COLUMNS)
    assert lines[1] == "县卫健局,82.4,100.0,100.0,0.0,,100.0,较好,1"

    bad = run(db_url, "--quarter", "2025-3", "--out", str(csv))
    assert bad.returncode != 0 and "YYYYQN" in bad.stderr
