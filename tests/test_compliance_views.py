"""The inspectors' views built on the rule: laggard list (filters, order, paging), the export frame
and CLI export, roll-ups per region / unit / cadre, and one cadre's detail, as of any day."""

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data_access import compliance
from data_access.compliance import LaggardFilter
from data_access.db import session_scope
from data_access.models import Need, Pairing, SupervisionAction
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUP_DISABLED, GROUP_EXTREME_POOR, GROUP_ORPHAN
from tests import builders as b

D = dt.date
YEAR_END = D(2024, 12, 31)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def county(db_url):
    """Three cadres in two units; at 2024-12-31: 张明 on track, 李华 behind and silent on one pairing
    and behind on another, 王芳 behind (no visits) and reminded on 12-10."""
    ids = {}
    with session_scope(db_url) as s:
        b.region_tree(s)
        bureau = b.unit(s, "县民政局")
        town = b.unit(s, "长道镇人民政府", b.TOWNSHIP_B)
        ids["bureau"], ids["town"] = bureau, town
        zhang = b.cadre(s, bureau, "张明")
        li = b.cadre(s, bureau, "李华", rank="科级")
        wang = b.cadre(s, town, "王芳")
        ids.update(zhang=zhang, li=li, wang=wang)

        def house(village, group, name):
            h = b.household(s, village)
            b.person(s, h, village, group=group, name=name)
            return h

        p1 = b.pairing(s, house(b.VILLAGE_A1, GROUP_ORPHAN, "赵小军"), zhang, D(2023, 1, 1))
        for day, method in ((D(2024, 2, 1), "实地走访"), (D(2024, 5, 1), "电话"), (D(2024, 8, 1), "实地走访"),
                            (D(2024, 11, 1), "电话")):
            b.contact(s, p1, day, method)
        p2 = b.pairing(s, house(b.VILLAGE_A2, GROUP_DISABLED, "孙桂兰"), li, D(2023, 1, 1))
        b.contact(s, p2, D(2024, 1, 10), "实地走访")
        p3 = b.pairing(s, house(b.VILLAGE_B1, GROUP_EXTREME_POOR, "周德贵"), li, D(2024, 6, 1))
        b.contact(s, p3, D(2024, 12, 20), "实地走访")
        p4 = b.pairing(s, house(b.VILLAGE_B1, GROUP_ORPHAN, "吴小花"), wang, D(2023, 1, 1))
        for day in (D(2024, 2, 1), D(2024, 5, 1), D(2024, 8, 1), D(2024, 12, 1)):
            b.contact(s, p4, day, "电话")
        b.contact(s, p4, D(2025, 1, 5), "实地走访")  # after the year: never counts in 2024
        s.add(SupervisionAction(cadre_id=wang, pairing_id=p4, kind="提醒", issued_date=D(2024, 12, 10),
                                deadline=D(2024, 12, 20), batch_no="TX-1"))
        ids.update(p1=p1, p2=p2, p3=p3, p4=p4)
        s.add(Need(code="SQ-1", household_id=s.get(Pairing, p2).household_id, pairing_id=p2,
                   raised_date=D(2024, 3, 1), category="就医", content="慢病报销", due_date=D(2024, 4, 1),
                   status="已办结", closed_date=D(2024, 5, 1)))
    return db_url, ids


def _page(url, flt=None, as_of=YEAR_END, scope=EVERYWHERE, page=1, page_size=50):
    with session_scope(url) as s:
        return compliance.laggard_page(s, scope, as_of, Policy(), flt or LaggardFilter(), page, page_size)


def test_laggards_worst_first_with_figures(county):
    url, ids = county
    result = _page(url)
    assert result.total == 3
    rows = result.rows
    assert list(rows["pairing_id"]) == [ids["p2"], ids["p4"], ids["p3"]]
    assert list(rows["状态"]) == ["滞后、失联", "滞后", "滞后"]
    first = rows.iloc[0]
    assert (first["干部姓名"], first["工作单位"], first["乡镇"], first["村"], first["类别"]) == (
        "李华", "县民政局", "汉源镇", "南关村", GROUP_DISABLED)
    assert (first["已联系"], first["应联系"], first["已走访"], first["应走访"]) == (1, 4, 1, 2)
    assert first["最近联系日期"] == D(2024, 1, 10)
    assert first["未联系天数"] == 356
    wang = rows.iloc[1]
    assert (wang["已走访"], wang["应走访"], wang["本年提醒"]) == (0, 2, 1)
    newer = rows.iloc[2]  # started 06-01: Q2 inside the grace period
    assert (newer["应联系"], newer["应走访"]) == (2, 1)


def test_laggard_paging(county):
    url, ids = county
    second = _page(url, page=2, page_size=2)
    assert second.total == 3
    assert list(second.rows["pairing_id"]) == [ids["p3"]]
    assert _page(url, page=5, page_size=2).rows.empty


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (LaggardFilter(unit_id="town"), ["p4"]),
        (LaggardFilter(rank="科级"), ["p2", "p3"]),
        (LaggardFilter(group=GROUP_ORPHAN), ["p4"]),
        (LaggardFilter(status="失联"), ["p2"]),
        (LaggardFilter(status="滞后"), ["p2", "p4", "p3"]),
        (LaggardFilter(status="滞后、失联"), ["p2"]),
        (LaggardFilter(min_days_silent=20), ["p2", "p4"]),
        (LaggardFilter(min_days_silent=30), ["p2"]),  # 30 days exactly is not "above 30"
        (LaggardFilter(reminded_only=True), ["p4"]),
        (LaggardFilter(text="民政局"), ["p2", "p3"]),
        (LaggardFilter(text="王"), ["p4"]),
        (LaggardFilter(text="%"), []),
    ],
)
def test_laggard_filters(county, flt, expected):
    url, ids = county
    if flt.unit_id == "town":
        flt = LaggardFilter(unit_id=ids["town"])
    assert list(_page(url, flt).rows["pairing_id"]) == [ids[p] for p in expected]


def test_laggards_as_of_a_past_day(county):
    url, ids = county
    assert _page(url, as_of=D(2024, 3, 31)).total == 0
    # the reminder of 12-10 does not exist yet on 11-30
    assert _page(url, LaggardFilter(reminded_only=True), as_of=D(2024, 11, 30)).total == 0
    assert _page(url, scope=Scope.for_region(b.TOWNSHIP_A)).total == 1


def test_laggards_frame_columns(county):
    url, _ = county
    with session_scope(url) as s:
        frame = compliance.laggards_frame(s, EVERYWHERE, YEAR_END, Policy())
    assert list(frame.columns) == compliance.LAGGARDS_EXPORT_COLUMNS == [  # every column the page shows
        "状态", "干部姓名", "干部编号", "职级", "工作单位", "干部电话", "户编号", "乡镇", "村", "类别",
        "已联系", "应联系", "已走访", "应走访", "最近联系日期", "未联系天数", "认门", "本年提醒",
    ]
    assert list(frame["状态"]) == ["滞后、失联", "滞后", "滞后"]
    assert list(frame["干部姓名"]) == ["李华", "王芳", "李华"]


def test_region_rollup(county):
    url, _ = county
    with session_scope(url) as s:
        frame = compliance.region_rollup(s, EVERYWHERE, YEAR_END, Policy())
        villages = compliance.region_rollup(s, Scope.for_region(b.TOWNSHIP_A), YEAR_END, Policy(), 12)
    rows = frame.set_index("地区")
    assert list(frame["地区"]) == ["长道镇", "汉源镇"]  # lowest on-track share first
    assert rows.loc["汉源镇", ["结对户数", "达标", "滞后", "失联", "干部数", "有滞后失联的干部"]].tolist() == [2, 1, 1, 1, 2, 1]
    assert rows.loc["汉源镇", "结对达标率"] == 0.5
    assert rows.loc["长道镇", "结对达标率"] == 0
    # 长道镇: p3 owes 2 contacts, has 1; p4 owes 4, has 4 → 5/6; visits 1/1 + 0/2 → 1/3
    assert rows.loc["长道镇", "联系完成率"] == pytest.approx(5 / 6)
    assert rows.loc["长道镇", "走访完成率"] == pytest.approx(1 / 3)
    assert list(villages["地区"]) == ["南关村", "城关村"]


def test_unit_and_cadre_rollups(county):
    url, ids = county
    with session_scope(url) as s:
        units = compliance.unit_rollup(s, EVERYWHERE, YEAR_END, Policy())
        cadres = compliance.cadre_rollup(s, EVERYWHERE, YEAR_END, Policy())
        reminded = compliance.cadre_rollup(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(reminded_only=True))
    assert units[["工作单位", "干部数", "达标干部", "干部达标率"]].values.tolist() == [
        ["长道镇人民政府", 1, 0, 0.0], ["县民政局", 2, 1, 0.5]]
    assert cadres.total == 2
    assert list(cadres.rows["cadre_id"]) == [ids["li"], ids["wang"]]
    li = cadres.rows.iloc[0]
    assert (li["状态"], li["结对户数"], li["滞后户数"], li["失联户数"], li["已联系"], li["应联系"]) == (
        "滞后、失联", 2, 2, 1, 2, 6)
    assert list(reminded.rows["cadre_id"]) == [ids["wang"]]


def test_cadre_detail(county):
    url, ids = county
    township_b = Scope.for_region(b.TOWNSHIP_B)
    with session_scope(url) as s:
        assert [c.name for c in compliance.find_cadres(s, township_b)] == ["李华", "王芳"]
        assert [c.name for c in compliance.find_cadres(s, EVERYWHERE, "李")] == ["李华"]
        assert compliance.cadre_profile(s, township_b, ids["zhang"]) is None
        profile = compliance.cadre_profile(s, EVERYWHERE, ids["li"])
        pairings = compliance.cadre_pairings(s, EVERYWHERE, YEAR_END, Policy(), ids["li"])
        timeline = compliance.cadre_timeline(s, EVERYWHERE, YEAR_END, Policy(), ids["li"])
        contacts = compliance.cadre_contacts(s, EVERYWHERE, YEAR_END, ids["li"])
        needs_april = compliance.cadre_needs(s, EVERYWHERE, D(2024, 4, 15), ids["li"])
        needs_end = compliance.cadre_needs(s, EVERYWHERE, YEAR_END, ids["li"])
        needs_feb = compliance.cadre_needs(s, EVERYWHERE, D(2024, 2, 1), ids["li"])
    assert (profile.name, profile.unit, profile.rank) == ("李华", "县民政局", "科级")
    assert list(pairings["状态"]) == ["滞后、失联", "滞后"]
    assert list(pairings["结对对象"]) == ["孙*兰", "周*贵"]  # masked
    assert timeline.values.tolist() == [
        [D(2024, 3, 31), 1, 1, 0, 1, 1, 1],
        [D(2024, 6, 30), 2, 1, 1, 1, 0, 0],
        [D(2024, 9, 30), 4, 1, 1, 1, 0, 0],
        [D(2024, 12, 31), 6, 2, 3, 2, 1, 1],
    ]
    assert list(contacts["日期"]) == [D(2024, 12, 20), D(2024, 1, 10)]
    assert needs_april["状态"].tolist() == ["逾期"]
    assert needs_end["状态"].tolist() == ["已办结"]
    assert needs_feb.empty


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_export_laggards(county, tmp_path, suffix):
    url, _ = county
    out = tmp_path / f"laggards{suffix}"
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "--db", url, "export", "laggards", "--as-of", "2024-12-31", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "已导出 3 行" in result.stdout
    if suffix == ".csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == compliance.LAGGARDS_EXPORT_COLUMNS
        assert [r[rows[0].index("状态")] for r in rows[1:4]] == ["滞后、失联", "滞后", "滞后"]
        assert "干部电话" in rows[0] and "职级" in rows[0]  # the work phone, in full, so inspectors can call
    else:
        frame = pd.read_excel(out, sheet_name=0)
        assert list(frame.columns) == compliance.LAGGARDS_EXPORT_COLUMNS
        assert len(frame) == 3


def test_cli_export_refuses_unknown_region(county, tmp_path):
    url, _ = county
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "--db", url, "export", "laggards", "--region", "629999",
         "--out", str(tmp_path / "x.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "629999" in result.stderr and "Traceback" not in result.stderr


def test_export_laggards_from_the_page_is_stamped_audited_and_permitted(county):
    from sqlalchemy import select

    from data_access.models import AuditEntry
    from data_access.permissions import PermissionDenied

    url, _ = county
    with session_scope(url) as s:
        data = compliance.export_laggards(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(rank="科级"), "西和县",
                                          "csv", actor=Actor("dc1", "inspector"))
    text = data.decode("utf-8")
    assert text.startswith("\ufeff" + ",".join(compliance.LAGGARDS_EXPORT_COLUMNS))
    assert text.count("李华") == 2 and "王芳" not in text  # the filter applies
    assert "导出人" not in text  # plain data: who exported it is in the audit log
    # Read back with pandas: exactly the rows of the list the page shows.
    with session_scope(url) as s:
        shown = compliance.laggards_frame(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(rank="科级"))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(shown.columns)
    assert back.to_dict("records") == shown.fillna("").astype(str).to_dict("records")
    with session_scope(url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert (entry.username, entry.target) == ("dc1", "滞后干部名单")
    with pytest.raises(PermissionDenied), session_scope(url) as s:
        compliance.export_laggards(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(), "西和县",
                                   actor=Actor("pub", "publicity"))


def test_laggards_by_unit_is_one_sheet_per_unit_with_only_its_rows(county):
    """Issue 19: one workbook, a sheet per 工作单位 (so each unit is sent only its own), the page's
    columns, stamped and audited; refused without export_lists."""
    from openpyxl import load_workbook
    from sqlalchemy import select

    from data_access.models import AuditEntry
    from data_access.permissions import PermissionDenied

    url, _ = county
    with session_scope(url) as s:
        data = compliance.export_laggards_by_unit(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(), "西和县",
                                                  actor=Actor("dc1", "inspector"))
        whole = compliance.laggards_frame(s, EVERYWHERE, YEAR_END, Policy())
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, keep_default_na=False)
    assert list(book) == ["县民政局", "长道镇人民政府", "导出说明"]  # the unit of the worst row first
    for unit in ("县民政局", "长道镇人民政府"):
        sheet = book[unit]
        assert list(sheet.columns) == compliance.LAGGARD_COLUMNS
        assert set(sheet["工作单位"]) == {unit}
        mine = whole[whole["工作单位"] == unit]
        assert list(sheet["户编号"]) == list(mine["户编号"])
    assert list(book["县民政局"]["干部姓名"]) == ["李华", "李华"] and list(book["长道镇人民政府"]["干部姓名"]) == ["王芳"]
    assert "dc1" in book["导出说明"].to_string()
    assert load_workbook(io.BytesIO(data))["县民政局"].freeze_panes == "A2"
    with session_scope(url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert (entry.username, entry.target) == ("dc1", "滞后干部名单（按单位分表）")
    with pytest.raises(PermissionDenied), session_scope(url) as s:
        compliance.export_laggards_by_unit(s, EVERYWHERE, YEAR_END, Policy(), LaggardFilter(), "西和县",
                                           actor=Actor("pub", "publicity"))


def test_sheet_names_are_valid_and_distinct():
    from data_access.exporting import sheet_names

    long = "某某县农业农村局乡村振兴服务中心驻村工作队第一分队办公室"
    names = sheet_names(["县民政局", "a/b:c", "县民政局", long, long, "", "导出说明"])
    assert names[:3] == ["县民政局", "a_b_c", "县民政局（2）"]
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    assert names[3] == long[:31] and names[4].endswith("（2）")
    assert names[5] == "未填单位" and names[6] == "导出说明（2）"


def test_laggards_in_the_order_picked_page_and_export(county):
    """The 排序 choice orders the laggard list in its query, and the export keeps that order (issue 19)."""
    url, _ = county
    together = LaggardFilter(order="同一干部的结对排在一起")
    assert [s.label for s in compliance.LAGGARD_SORTS][1:] == ["未联系天数由长到短", "欠缺次数由多到少",
                                                               "同一干部的结对排在一起"]
    assert list(_page(url).rows["干部姓名"]) == ["李华", "王芳", "李华"]  # worst first by default
    assert list(_page(url, together).rows["干部姓名"]) == ["李华", "李华", "王芳"]
    assert list(_page(url, together, page_size=2, page=2).rows["干部姓名"]) == ["王芳"]  # paged in that order
    silent = _page(url, LaggardFilter(order="未联系天数由长到短")).rows["未联系天数"]
    assert list(silent) == sorted(silent, reverse=True)
    with session_scope(url) as s:
        data = compliance.export_laggards(s, EVERYWHERE, YEAR_END, Policy(), together, "西和县", "csv",
                                          actor=Actor("dc1", "inspector"))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back["干部姓名"]) == ["李华", "李华", "王芳"]
