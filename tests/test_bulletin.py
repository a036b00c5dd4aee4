"""The monthly bulletin: its figures are the pages' figures for the same month and region, and the
Word notice and the workbook carry exactly those figures (tests/leaders_data.py)."""

import datetime as dt
import io
import json

import docx
import openpyxl
import pytest
from sqlalchemy import select

from data_access import bulletin, coverage, rankings, trends
from data_access.db import session_scope
from data_access.models import AuditEntry
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import leaders_data as L

TODAY = dt.date(2024, 11, 20)


def _figures(url, region=None):
    with session_scope(url) as s:
        return bulletin.figures(s, Scope.for_region(region), region, 2024, 6, Policy(), TODAY)


def test_figures_equal_page_functions(db_url):
    L.build(db_url)
    fig = _figures(db_url)
    with session_scope(db_url) as s:
        home = coverage.snapshot(s, EVERYWHERE, L.D, Policy())
        home_before = coverage.snapshot(s, EVERYWHERE, dt.date(2024, 5, 31), Policy())
        table = coverage.by_region(s, EVERYWHERE, None, L.D, Policy())
        units = rankings.units(s, EVERYWHERE, L.D, Policy())
        ranked_regions = rankings.regions(s, EVERYWHERE, None, L.D, Policy())
        monthly = trends.monthly_activity(s, EVERYWHERE, L.D)
    assert fig.as_of == L.D
    assert fig.title == "关于2024年6月结对关爱工作情况的通报"
    assert fig.current == home and fig.previous == home_before
    assert fig.by_region.equals(table) and fig.units.equals(units) and fig.monthly.equals(monthly)
    assert fig.region_ranking.equals(ranked_regions)
    assert (fig.month_activity.contacts, fig.month_activity.visits) == (1, 0)
    assert fig.lagging_units == ["县民政局"] and fig.lagging_regions == ["汉源镇"]


def test_docx_and_xlsx_carry_the_figures(db_url):
    L.build(db_url)
    fig = _figures(db_url)
    document = docx.Document(io.BytesIO(bulletin.to_docx(fig)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert fig.title in body
    head, comp = fig.current.head, fig.current.compliance
    assert f"在册关爱对象{head.persons}人、{head.households}户" in body
    assert f"结对覆盖率{bulletin.pct(head.coverage)}" in body and "结对覆盖率80.0%" in body
    assert f"达标{comp.cadres_on_track}名" in body and "达标率66.7%" in body
    assert f"今年以来累计联系{comp.done_contacts}次（应联系{comp.owed_contacts}次）" in body
    assert "诉求台账在办2件，其中逾期1件" in body
    assert "县民政局（50.0%）" in body
    assert len(document.inline_shapes) == 2  # the region chart and the monthly chart
    region_table, unit_table = ([[c.text for c in row.cells] for row in t.rows] for t in document.tables[:2])
    assert region_table[0][:2] == ["地区", "孤儿"]
    assert [r[0] for r in region_table[1:]] == list(fig.by_region["地区"])
    assert [int(r[region_table[0].index("在册人数")]) for r in region_table[1:]] == list(fig.by_region["在册人数"])
    assert [r[region_table[0].index("达标率")] for r in region_table[1:]] == ["50.0%", "100.0%"]
    assert [r[1] for r in unit_table[1:]] == list(fig.units["工作单位"])
    assert [r[-1] for r in unit_table[1:]] == ["末位", ""]

    book = openpyxl.load_workbook(io.BytesIO(bulletin.to_xlsx(fig, "tester")))
    assert book.sheetnames[:4] == ["主要指标", "分地区情况", "分单位情况", "各月联系走访"]
    key = {row[0]: row[1] for row in book["主要指标"].iter_rows(min_row=2, values_only=True)}
    assert key == dict(bulletin.key_figures(fig))
    assert key["在册关爱对象（人）"] == str(head.persons) and key["干部达标率"] == "66.7%"
    regions_sheet = list(book["分地区情况"].iter_rows(values_only=True))
    assert [r[0] for r in regions_sheet[1:]] == ["汉源镇", "长道镇"]
    assert [r[regions_sheet[0].index("在册人数")] for r in regions_sheet[1:]] == [2, 3]
    units_sheet = list(book["分单位情况"].iter_rows(values_only=True))
    assert [r[1] for r in units_sheet[1:]] == ["县民政局", "县教育局"]
    assert "导出说明" in book.sheetnames


def test_region_bulletin_and_empty_month(db_url):
    L.build(db_url)
    township = _figures(db_url, b.TOWNSHIP_B)
    assert township.region_name == "长道镇" and township.current.head.persons == 3
    assert list(township.by_region["地区"]) == ["长道村"]
    with session_scope(db_url) as s:
        empty = bulletin.figures(s, Scope.for_region(b.VILLAGE_A2), b.VILLAGE_A2, 2024, 6, Policy(), TODAY)
        with pytest.raises(bulletin.BulletinMonthError):
            bulletin.figures(s, EVERYWHERE, None, 2024, 12, Policy(), TODAY)
    assert empty.by_region.empty and empty.current.head.persons == 1
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(bulletin.to_docx(empty))).paragraphs)
    assert "所选地区无下级地区" in text


def test_running_month_is_as_of_today(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        running = bulletin.figures(s, EVERYWHERE, None, 2024, 6, Policy(), dt.date(2024, 6, 12))
    assert running.as_of == dt.date(2024, 6, 12)


def test_cli_writes_both_files_and_audits(sqlite_url, tmp_path, monkeypatch):
    from dashboard import cli

    L.build(sqlite_url)
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("report",))
    word, book = tmp_path / "通报.docx", tmp_path / "通报.xlsx"
    assert cli.main(["--db", sqlite_url, "report", "bulletin", "--month", "2024-06", "--out", str(word)]) == 0
    assert cli.main(["--db", sqlite_url, "report", "bulletin", "--month", "2024-06", "--region", b.TOWNSHIP_A,
                     "--out", str(book)]) == 0
    assert cli.main(["--db", sqlite_url, "report", "bulletin", "--month", "2099-01", "--out", str(word)]) == 2
    assert cli.main(["--db", sqlite_url, "report", "bulletin", "--month", "2024-06", "--out", "x.pdf"]) == 2
    assert "关于2024年6月结对关爱工作情况的通报" in docx.Document(str(word)).paragraphs[1].text
    key = {r[0]: r[1] for r in openpyxl.load_workbook(book)["主要指标"].iter_rows(min_row=2, values_only=True)}
    assert key["在册关爱对象（人）"] == "2"
    with session_scope(sqlite_url) as s:
        entries = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.username, e.action, e.region_code) for e in entries] == [
        ("命令行", "export", None), ("命令行", "export", b.TOWNSHIP_A)]
    assert json.loads(entries[1].detail)["format"] == "xlsx"
