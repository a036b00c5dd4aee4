"""真实性核查 and 回访核实 on a small hand-built county (SQLite and PostgreSQL): the figures an inspector
checks by hand, the records behind a signal, the export (CLI and page), the return-visit loop
feeding 回访不符, permissions and region limits; and the pages in AppTest."""

import datetime as dt
import io
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from data_access import return_visits, signals, supervision
from data_access.db import session_scope
from data_access.models import AuditEntry, Satisfaction, SupervisionAction
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope, ScopeError
from tests import builders as b
from tests.apptest import ROOT, as_user, open_page, texts

D = dt.date
AS_OF = D(2024, 6, 30)
COPIED = "了解老人近况，叮嘱按时服药，注意保暖"
INSPECTOR = Actor("dc1", "inspector", EVERYWHERE)


def _at(day: dt.date, hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def build(url: str) -> dict:
    """王强 (县民政局): five calls to 户1 entered together on 03-29 (dates 02-01 .. 03-10), never a visit;
    a visit to 户2 on 05-10 that the family denies on 06-20; a note copied by 李华 (县教育局, 长道镇)."""
    with session_scope(url) as s:
        b.region_tree(s)
        wang = b.cadre(s, b.unit(s, "县民政局"), "王强")
        li = b.cadre(s, b.unit(s, "县教育局"), "李华")
        h1, h2, h3 = b.household(s, b.VILLAGE_A1), b.household(s, b.VILLAGE_A2), b.household(s, b.VILLAGE_B1)
        b.person(s, h1, b.VILLAGE_A1, name="赵桂英")
        p1 = b.pairing(s, h1, wang, D(2023, 1, 1))
        p2 = b.pairing(s, h2, wang, D(2023, 1, 1))
        p3 = b.pairing(s, h3, li, D(2023, 1, 1))
        for day in (D(2024, 2, 1), D(2024, 2, 15), D(2024, 3, 1), D(2024, 3, 5), D(2024, 3, 10)):
            b.contact(s, p1, day, "电话", entered_at=_at(D(2024, 3, 29)), content="电话问候")
        b.contact(s, p2, D(2024, 5, 10), "实地走访", entered_at=_at(D(2024, 5, 10)), content=COPIED)
        b.contact(s, p2, D(2024, 6, 1), "电话", entered_at=_at(D(2024, 6, 1)))
        b.contact(s, p3, D(2024, 4, 2), "实地走访", entered_at=_at(D(2024, 4, 2)), content=COPIED.replace("，", " ") + "。")
        b.contact(s, p3, D(2024, 6, 2), "实地走访", entered_at=_at(D(2024, 6, 3)))
        s.add(Satisfaction(household_id=h2, pairing_id=p2, cadre_id=wang, survey_date=D(2024, 6, 20), method="电话",
                           level="基本满意", cadre_came="否", note="家属说干部只打过电话",
                           entered_at=_at(D(2024, 6, 20)), entry_source="导入"))
    return {"wang": wang, "li": li, "p1": p1, "p2": p2, "p3": p3, "h1": h1, "h2": h2}


@pytest.fixture
def county(db_url):
    return db_url, build(db_url)


def test_cadre_list_worst_first_with_records_per_signal(county):
    url, ids = county
    with session_scope(url) as s:
        frame = signals.cadre_signals(s, EVERYWHERE, AS_OF, Policy())
    rows = frame.set_index("干部姓名")
    assert list(frame["干部姓名"]) == ["王强", "李华"]
    assert rows.loc["王强", list(signals.SIGNALS)].tolist() == [5, 5, 5, 1, 5, 1]  # RULES.md order
    assert (rows.loc["王强", "信号数"], rows.loc["王强", "记录合计"]) == (6, 22)
    assert rows.loc["李华", list(signals.SIGNALS)].tolist() == [0, 0, 0, 1, 0, 0]
    with session_scope(url) as s:
        only = signals.cadre_signals(s, EVERYWHERE, AS_OF, Policy(), signals.SignalFilter(signal=signals.BATCH))
        town_b = signals.cadre_signals(s, EVERYWHERE, AS_OF, Policy(), signals.SignalFilter(township=b.TOWNSHIP_B))
    assert list(only["干部姓名"]) == ["王强"]
    assert list(town_b["干部姓名"]) == ["李华"]  # 李华's copied note is in 长道镇; 王强's copy counts for him


def test_settings_move_the_thresholds(county):
    url, _ = county
    lenient = Policy(late_entry_days=60, burst_size=6, min_note_chars=30, min_contacts_no_visit=6)
    with session_scope(url) as s:
        frame = signals.cadre_signals(s, EVERYWHERE, AS_OF, lenient)
    assert frame.set_index("干部姓名").loc["王强", list(signals.SIGNALS)].tolist() == [0, 0, 0, 0, 0, 1]


def test_records_behind_each_signal(county):
    url, ids = county
    with session_scope(url) as s:
        batch = signals.records_behind(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], signals.BATCH)
        repeated = signals.records_behind(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], signals.REPEATED)
        disagree = signals.records_behind(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], signals.DISAGREES)
    assert list(batch["日期"]) == [D(2024, 2, 1), D(2024, 2, 15), D(2024, 3, 1), D(2024, 3, 5), D(2024, 3, 10)]
    assert set(batch["录入时间"]) == {"2024-03-29 18:00"}
    assert list(repeated["内容"]) == [COPIED]
    assert disagree[["回访日期", "干部是否上门", "此前三个月登记的实地走访"]].values.tolist() == [
        [D(2024, 6, 20), "否", "2024-05-10"]]


def test_area_counts_per_township_and_unit(county):
    url, _ = county
    with session_scope(url) as s:
        by_township, by_unit = signals.area_counts(s, EVERYWHERE, AS_OF, Policy())
    town = by_township.set_index("乡镇")  # over the whole database: with the county's name (dozens of 城关镇)
    assert town.loc["西和县汉源镇", ["有信号干部", "补录", "雷同记录", "回访不符"]].tolist() == [1, 5, 1, 1]
    assert town.loc["西和县长道镇", ["有信号干部", "雷同记录"]].tolist() == [1, 1]
    with session_scope(url) as s:
        in_county, _ = signals.area_counts(s, Scope.for_region(b.COUNTY), AS_OF, Policy())
        assert sorted(in_county["乡镇"]) == ["汉源镇", "长道镇"]
        assert signals.township_options(s, EVERYWHERE) == [(b.TOWNSHIP_A, "西和县汉源镇"), (b.TOWNSHIP_B, "西和县长道镇")]
        assert signals.township_options(s, Scope.for_region(b.COUNTY)) == [(b.TOWNSHIP_A, "汉源镇"), (b.TOWNSHIP_B, "长道镇")]
    assert by_unit.set_index("工作单位").loc["县民政局", "集中补录"] == 5


def test_export_columns_and_audit(county):
    url, _ = county
    with session_scope(url) as s:
        frame = signals.export_frame(s, EVERYWHERE, AS_OF, Policy())
        data = signals.export_signals(s, EVERYWHERE, AS_OF, Policy(), "西和县", "xlsx", actor=INSPECTOR)
        with pytest.raises(PermissionDenied):
            signals.export_signals(s, EVERYWHERE, AS_OF, Policy(), "西和县", actor=Actor("pub", "publicity", EVERYWHERE))
    assert list(frame.columns) == ["干部编号", "干部姓名", "工作单位", "信号", "记录数"]
    assert frame.values.tolist()[:2] == [[frame.iloc[0, 0], "王强", "县民政局", "补录", 5],
                                         [frame.iloc[0, 0], "王强", "县民政局", "集中补录", 5]]
    assert len(frame) == 7
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "真实性核查"
    with session_scope(url) as s:
        assert s.scalar(select(AuditEntry.target).where(AuditEntry.action == "export")) == "真实性核查信号"


def test_export_signals_cli(county, tmp_path):
    url, _ = county
    out = tmp_path / "信号.xlsx"
    done = subprocess.run([sys.executable, "-m", "dashboard", "--db", url, "export", "signals", "--as-of", "2024-06-30",
                           "--region", b.TOWNSHIP_B, "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("干部编号", "干部姓名", "工作单位", "信号", "记录数")
    assert [r[1:] for r in rows[1:]] == [("李华", "县教育局", "雷同记录", 1)]


def test_return_visit_loop_feeds_disagreement(county):
    url, ids = county
    with session_scope(url) as s:
        drawn = return_visits.draw_sample(s, EVERYWHERE, AS_OF, Policy(), 1, True, ["dc1"], D(2024, 7, 10), 1,
                                          D(2024, 6, 25), actor=INSPECTOR)
        task = s.scalar(select(func.max(return_visits.ReturnVisitTask.id)))
        first = return_visits.tasks(s, EVERYWHERE, "dc1")
    assert (drawn.tasks, drawn.list_no) == (1, "HF20240625-001")
    assert first.iloc[0]["抽查原因"].startswith("按信号抽查：补录")  # the pairing with most flagged records
    assert first.iloc[0]["结对对象"] == "赵*英"
    with session_scope(url) as s:
        scheduled = return_visits.schedule_for_cadre(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], ["dc1"],
                                                     D(2024, 7, 10), D(2024, 6, 25), actor=INSPECTOR)
    assert scheduled.tasks == 1  # 户1 already has an open task
    with session_scope(url) as s:
        open_ids = list(return_visits.tasks(s, EVERYWHERE, "dc1", return_visits.OPEN)["任务号"])
        second = [t for t in open_ids if t != task][0]
        return_visits.record_result(s, second, D(2024, 6, 28), "实地", "不满意", "否", "说没见过干部",
                                    actor=INSPECTOR)
        with pytest.raises(ValueError, match="已登记结果"):
            return_visits.record_result(s, second, D(2024, 6, 28), "实地", "满意", "是", actor=INSPECTOR)
    with session_scope(url) as s:
        counts = signals.cadre_signal_counts(s, EVERYWHERE, AS_OF, Policy(), ids["wang"])
        done = return_visits.tasks(s, EVERYWHERE, "dc1", return_visits.DONE)
    assert counts[signals.DISAGREES] == 2  # the family of 户2 said no again, with the 05-10 visit on record
    assert done[["干部是否上门", "满意度"]].values.tolist() == [["否", "不满意"]]


def test_return_visits_refuse_other_roles_and_regions(county):
    url, ids = county
    with session_scope(url) as s, pytest.raises(PermissionDenied):
        return_visits.draw_sample(s, EVERYWHERE, AS_OF, Policy(), 2, False, [], actor=Actor("ld", "leader", EVERYWHERE))
    with session_scope(url) as s, pytest.raises(ScopeError):
        return_visits.schedule_for_cadre(s, Scope.for_region(b.TOWNSHIP_A), AS_OF, Policy(), ids["wang"], [],
                                         actor=Actor("t", "inspector", Scope.for_region(b.TOWNSHIP_B)))
    with session_scope(url) as s:
        return_visits.draw_sample(s, EVERYWHERE, AS_OF, Policy(), 3, False, ["dc1"], seed=3, today=D(2024, 6, 25),
                                  actor=INSPECTOR)
        task = int(return_visits.tasks(s, Scope.for_region(b.TOWNSHIP_A))["任务号"].iloc[0])
    with session_scope(url) as s, pytest.raises(ScopeError):
        return_visits.record_result(s, task, D(2024, 6, 28), "电话", "满意", "是",
                                    actor=Actor("t", "inspector", Scope.for_region(b.TOWNSHIP_B)))
    with session_scope(url) as s, pytest.raises(ValueError, match="早于任务安排日期"):
        return_visits.record_result(s, task, D(2024, 6, 1), "电话", "满意", "是", actor=INSPECTOR)


def test_supervision_from_a_signal_row_names_the_signals(county):
    url, ids = county
    with session_scope(url) as s:
        issued = signals.issue_supervision(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], D(2024, 7, 10), D(2024, 7, 1),
                                           actor=INSPECTOR)
        again = signals.issue_supervision(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], D(2024, 7, 15), D(2024, 7, 2),
                                          actor=INSPECTOR)
    assert (issued.actions, again.escalated) == (2, 2)  # the second escalates the two pending ones
    with session_scope(url) as s:
        reasons = s.scalars(select(SupervisionAction.reason)).all()
        assert len(reasons) == 2 and all("真实性核查发现：补录 5 条" in r for r in reasons)
        page = supervision.action_page(s, EVERYWHERE, D(2024, 7, 3), Policy())
    assert page.counts == {supervision.PENDING: 2}


def test_month_figures_for_the_bulletin(county):
    url, _ = county
    with session_scope(url) as s:
        june = signals.month_figures(s, EVERYWHERE, D(2024, 6, 1), D(2024, 6, 30), Policy())
    assert (june.return_visits, june.answered, june.disagreeing) == (1, 1, 1)
    assert june.share_agreeing == 0.0
    assert june.cadres_by_signal[signals.REPEATED] == 2


# --- pages ---------------------------------------------------------------------------------------------

@pytest.fixture
def page_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url, build(sqlite_url)


def test_signals_page_for_an_inspector(page_db):
    url, ids = page_db
    at = open_page("pages/signals.py", user=as_user("dc1", "inspector", "621225", "督查一组"))
    at.selectbox(key="flt_year").set_value(2024).run()
    at.date_input(key="flt_asof").set_value(AS_OF).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["集中补录"] == "1 人" and metrics["雷同记录"] == "2 人"
    table = at.dataframe[0].value
    assert list(table["干部姓名"]) == ["王强", "李华"]
    at.selectbox(key="sg_cadre").set_value(ids["wang"]).run()
    assert not at.exception
    shown = texts(at)
    assert "2024-03-29 18:00" in shown and "家属说干部只打过电话" in shown
    next(btn for btn in at.button if btn.label == "发出督办").click().run()
    assert not at.exception
    assert any("已向王强发出督办 2 条" in s.value for s in at.success)
    next(btn for btn in at.button if btn.label == "安排回访").click().run()
    assert any("已安排回访 2 户" in s.value for s in at.success)
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(return_visits.ReturnVisitTask)) == 2


def test_signals_page_refused_to_publicity(page_db):
    at = open_page("pages/signals.py", user=as_user("pub", "publicity", "621225"))
    assert not at.exception
    assert any("无权打开“真实性核查”页面" in e.value for e in at.error)
    assert not at.dataframe


def test_return_visit_page_enters_a_result(page_db):
    url, ids = page_db
    with session_scope(url) as s:
        return_visits.schedule_for_cadre(s, EVERYWHERE, AS_OF, Policy(), ids["wang"], ["dc1"], actor=INSPECTOR)
    at = open_page("pages/return_visits.py", user=as_user("dc1", "inspector", "621225", "督查一组"))
    assert not at.exception
    assert "我的待回访任务（2）" in texts(at)
    next(btn for btn in at.button if btn.label == "登记结果").click().run()
    assert not at.exception
    assert any("任务已完成" in s.value for s in at.success)
    assert "我的待回访任务（1）" in texts(at)
    frame = pd.DataFrame(at.dataframe[-1].value)
    assert sorted(frame["状态"]) == ["已回访", "待回访"]
