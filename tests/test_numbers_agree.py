"""Numbers that agree (issue 19): one way of writing a number on the pages, in the bulletin and in its
Word notice; a sum of township rows that exceeds the county is explained under the table; 逾期事项
and 提醒督办 count the same unanswered reminders, or the page says which it leaves out. And the
bulletin before it goes out: the leader's wording goes into the notice, dated the day it is issued."""

import dataclasses
import datetime as dt
import io
import json

import docx
import pytest
from sqlalchemy import select

from dashboard import ui
from data_access import audit, bulletin, formatting, overdue, supervision
from data_access.db import session_scope
from data_access.models import AuditEntry, SupervisionAction
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import leaders_data as L
from tests.apptest import downloads, open_page, texts
from tests.fixed_date import TODAY
from tests.test_inspection_pages import INSPECTOR, YEAR_START, town_db  # noqa: F401 - the fixture
from tests.test_leaders_pages import county, open_at  # noqa: F401 - the fixture

LEADER = Actor("leader1", "leader")
ISSUED = dt.date(2024, 11, 20)  # the day the June 2024 bulletin is issued


def june(url) -> bulletin.Bulletin:
    with session_scope(url) as s:
        return bulletin.figures(s, EVERYWHERE, None, 2024, 6, Policy(), ISSUED)


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_the_bulletin_writes_a_count_as_the_pages_do(sqlite_url):
    L.build(sqlite_url)
    fig = june(sqlite_url)
    head = dataclasses.replace(fig.current.head, households=2328, cadres_paired=1204)
    big = dataclasses.replace(fig, current=dataclasses.replace(fig.current, head=head),
                              by_region=fig.by_region.assign(在册人数=[2328, 1500]))
    assert ui.fmt_int(2328) == formatting.count(2328) == "2,328"  # the pages' cards
    text = bulletin.summary_paragraph(big)
    assert "2,328户" in text and "参与结对干部1,204名" in text and "2328" not in text
    assert dict(bulletin.key_figures(big))["在册户数（户）"] == "2,328"
    document = docx.Document(io.BytesIO(bulletin.to_docx(big)))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "2,328户" in body and "2328" not in body
    table = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert [r[table[0].index("在册人数")] for r in table[1:]] == ["2,328", "1,500"]


def test_a_cadre_paired_in_two_townships_is_explained_under_the_table(sqlite_url):
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        bureau = b.unit(s)
        both, one = b.cadre(s, bureau, "王勇"), b.cadre(s, bureau, "刘芳")
        for cadre, village in ((both, b.VILLAGE_A1), (both, b.VILLAGE_B1), (one, b.VILLAGE_A2)):
            house = b.household(s, village)
            b.person(s, house, village)
            b.pairing(s, house, cadre, TODAY - dt.timedelta(days=300))
    with session_scope(sqlite_url) as s:
        fig = bulletin.figures(s, EVERYWHERE, None, TODAY.year, TODAY.month, Policy(), TODAY)
    assert fig.by_region["结对干部"].sum() == 3 and fig.current.head.cadres_paired == 2
    note = bulletin.region_note(fig)
    assert "各地区相加为3名，多于西和县结对干部2名（重复计数1名次）" in note
    assert note in paragraphs(bulletin.to_docx(fig))
    with session_scope(sqlite_url) as s:  # one township: its villages add up to it, no note
        township = bulletin.figures(s, Scope.for_region(b.TOWNSHIP_B), b.TOWNSHIP_B, TODAY.year, TODAY.month,
                                    Policy(), TODAY)
    assert bulletin.region_note(township) == ""


def test_the_notice_carries_the_leaders_wording_and_is_dated_the_day_it_is_issued(sqlite_url):
    L.build(sqlite_url)
    edited = bulletin.Wording(summary="六月份全县结对关爱工作总体平稳。", problems=None,
                              requirements="下步要求：请各单位于七月十日前报送整改情况。")
    with session_scope(sqlite_url) as s:
        data = bulletin.export(s, EVERYWHERE, None, 2024, 6, Policy(), "docx", ISSUED, edited, actor=LEADER)
    shown = paragraphs(data)
    assert "六月份全县结对关爱工作总体平稳。" in shown and "下步要求：请各单位于七月十日前报送整改情况。" in shown
    assert bulletin.lagging_paragraph(june(sqlite_url)) in shown  # the part not edited: as generated
    assert bulletin.summary_paragraph(june(sqlite_url)) not in shown
    assert shown[-1] == "2024年11月20日"  # the issue day, not the month end (2024年6月30日)
    with session_scope(sqlite_url) as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalar_one()
    detail = json.loads(entry.detail)
    assert (entry.username, detail["issued"], detail["edited"]) == ("leader1", "2024-11-20", ["总体情况", "下步要求"])
    assert "修改了文字：总体情况、下步要求" in audit.describe(entry.detail, "export")


def test_an_emptied_part_is_refused_and_nothing_is_recorded(sqlite_url):
    L.build(sqlite_url)
    with session_scope(sqlite_url) as s, pytest.raises(bulletin.BulletinTextError, match="“存在问题”不能为空"):
        bulletin.export(s, EVERYWHERE, None, 2024, 6, Policy(), "docx", ISSUED, bulletin.Wording(problems="  "),
                        actor=LEADER)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "export")) is None


def test_the_page_downloads_the_wording_the_leader_typed(county):  # noqa: F811
    at = open_at("pages/bulletin.py")
    at.selectbox(key="bulletin_month").set_value(6).run()
    generated = at.text_area(key="bulletin_text_summary_2024_6_621225").value
    assert generated.startswith("截至2024年6月30日")  # the generated wording, to edit
    at.text_area(key="bulletin_text_summary_2024_6_621225").input("六月份总体平稳，个别单位滞后。").run()
    assert not at.exception
    assert "六月份总体平稳，个别单位滞后。" in texts(at) and generated not in texts(at)  # the preview: what goes out
    word = downloads(at)["下载通报（Word）"]
    shown = paragraphs(word)
    assert "六月份总体平稳，个别单位滞后。" in shown
    assert shown[-1] == f"{TODAY.year}年{TODAY.month}月{TODAY.day}日"


def test_overdue_and_supervision_count_the_same_unanswered_reminders(town_db):  # noqa: F811
    url, ids = town_db
    last_year = YEAR_START - dt.timedelta(days=60)
    with session_scope(url) as s:  # a reminder of last year, never answered: still unanswered today
        s.add(SupervisionAction(cadre_id=ids["li"], pairing_id=ids["p2"], kind="提醒", issued_date=last_year,
                                deadline=last_year + dt.timedelta(days=10), batch_no="TX-LAST-YEAR", reason="联系不足"))
    with session_scope(url) as s:
        everything = overdue.counts(s, EVERYWHERE, TODAY, Policy()).totals[overdue.KIND_UNANSWERED]
        this_year = supervision.action_page(s, EVERYWHERE, TODAY, Policy(), since=YEAR_START).counts[supervision.UNANSWERED]
        before = supervision.unanswered_before(s, EVERYWHERE, TODAY, Policy(), YEAR_START)
    assert (everything, this_year, before) == (2, 1, 1)
    page = open_page("pages/supervision.py", user=INSPECTOR)
    assert {m.label: m.value for m in page.metric}["逾期未回应"] == "1 次"
    assert f"另有 1 次提醒督办在 {YEAR_START:%Y-%m-%d} 之前发出、至今仍未回应" in texts(page)
    other = open_page("pages/overdue.py", user=INSPECTOR)
    assert {m.label: m.value for m in other.metric}[overdue.KIND_UNANSWERED] == "2 项"
    assert "不论何时发出" in texts(other)
