"""The stored 季考核 inputs (assessment_store): a province or whole-database view reads the same
inputs as the live count, for every level; a write that does not keep them makes the stored set
stale and the next reader stores a new one with the change (and the old one is gone); the write
paths keep them: a record dated after the quarter leaves the set as it was, a late one inside it is
counted into the same set by the write itself, and another process reads the new figure at once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from sqlalchemy import func, insert, select

from data_access import assessment, assessment_store, imports, needs, recording
from data_access.config import current_date
from data_access.db import bump_version, session_scope
from data_access.models import AssessmentInput, AssessmentInputSet, Contact, Need, Pairing
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import import_workbooks as wb
from tests.test_assessment import Q3, TODAY, _hand_built

CLERK = Actor("clerk", "clerk", Scope.for_region(b.COUNTY))
PROVINCE = Scope.for_region(b.COUNTY[:2] + "0000")


def live(s, scope, level):
    return {key: values for (key, _), values in assessment._count(s, scope, Q3, Policy(), level).items()}


def test_stored_inputs_equal_the_live_count_and_follow_a_write(db_url):
    with session_scope(db_url) as s:
        _hand_built(s)
    province = Scope.for_region(b.COUNTY[:2] + "0000")
    for scope in (EVERYWHERE, province):
        for level in assessment_store.LEVELS:
            with session_scope(db_url) as s:
                assert assessment.count_inputs(s, scope, Q3, Policy(), level) == live(s, scope, level), (scope, level)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(AssessmentInputSet)) == 1
        before = assessment.count_inputs(s, province, Q3, Policy(), "unit")
        s.execute(insert(Contact), [{"pairing_id": 2, "contact_date": dt.date(2025, 8, 9), "method": "实地走访",
                                     "entered_at": dt.datetime(2025, 10, 1)}])
        bump_version(s)
    with session_scope(db_url) as s:
        after = assessment.count_inputs(s, province, Q3, Policy(), "unit")
        assert after == live(s, province, "unit") != before
        assert s.scalar(select(func.count()).select_from(AssessmentInputSet)) == 1  # the stale set is gone


# Another process reading a city's or province's stored inputs as a page would (count_inputs), then
# saying which set it read: it must be the set the writes kept, not one it had to store itself.
READER = """
import json, sys
from data_access import assessment, assessment_store
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import Scope
with session_scope(sys.argv[1]) as s:
    quarter = assessment.Quarter(2025, 3)
    inputs = assessment.count_inputs(s, Scope(sys.argv[2]), quarter, Policy(), "unit")
    print(json.dumps([assessment_store._valid(s, quarter, Policy()), inputs]))
"""


def stored_set(url) -> int | None:
    with session_scope(url) as s:
        return assessment_store._valid(s, Q3, Policy())


def stored_rows(url, set_id) -> list[tuple]:
    with session_scope(url) as s:
        return [tuple(r) for r in s.execute(select(AssessmentInput.__table__).where(AssessmentInput.set_id == set_id)
                                            .order_by(AssessmentInput.level, AssessmentInput.key, AssessmentInput.county))]


def everything_matches_the_live_count(url):
    for scope in (EVERYWHERE, PROVINCE, Scope(b.COUNTY[:4])):
        for level in assessment_store.LEVELS:
            with session_scope(url) as s:
                assert assessment_store.inputs(s, scope, Q3, Policy(), level) == live(s, scope, level), (scope, level)


def test_the_write_paths_keep_the_stored_inputs(db_url):
    with session_scope(db_url) as s:
        *_, p2 = _hand_built(s)
        s.add(Need(code="N5", household_id=s.get(Pairing, p2).household_id, raised_date=dt.date(2025, 9, 25),
                   category="生活", content="x", due_date=dt.date(2025, 10, 25), status="办理中"))
    with session_scope(db_url) as s:
        before = assessment.count_inputs(s, PROVINCE, Q3, Policy(), "unit")  # the first reader stores the set
    set_id = stored_set(db_url)
    rows = stored_rows(db_url, set_id)
    assert set_id is not None and rows

    # dated after the quarter's end (a contact, a 回访, closing a need due later): the set stays
    # valid as it was, nothing recounted
    with session_scope(db_url) as s:
        recording.add_contact(s, p2, dt.date(2025, 10, 10), "实地走访", actor=CLERK, now=dt.datetime(2025, 10, 20, 9))
        recording.add_return_visit(s, p2, dt.date(2025, 10, 11), "电话", "满意", actor=CLERK,
                                   now=dt.datetime(2025, 10, 20, 9, 5))
    with session_scope(db_url) as s:
        needs.close(s, "N5", "已解决", dt.date(2025, 10, 3), actor=Actor("n", "admin"))  # due 10-25
    assert stored_set(db_url) == set_id and stored_rows(db_url, set_id) == rows

    # a late record inside the quarter: counted into the same set by the write, in its transaction;
    # another process reads the new figure from it at once (it stores nothing itself)
    with session_scope(db_url) as s:
        recording.add_contact(s, p2, dt.date(2025, 8, 9), "实地走访", actor=CLERK, now=dt.datetime(2025, 10, 20, 10))
    read = subprocess.run([sys.executable, "-c", READER, db_url, PROVINCE.prefix], capture_output=True, text=True,
                          check=True, timeout=120)
    read_set, read_inputs = json.loads(read.stdout)
    with session_scope(db_url) as s:
        now = live(s, PROVINCE, "unit")
    assert read_set == set_id and read_inputs == now != before
    civil = next(key for key, values in before.items() if values["contacts_owed"] == 6)  # 张明's two households
    assert (now[civil]["contacts_done"], now[civil]["visits_done"]) == (
        before[civil]["contacts_done"] + 1, before[civil]["visits_done"] + 1)
    everything_matches_the_live_count(db_url)

    # likewise a need due inside the quarter whose closing in time is entered late, and a 回访 dated inside it
    with session_scope(db_url) as s:
        needs.close(s, "N3", "已解决", dt.date(2025, 9, 29), actor=Actor("n", "admin"))  # in time after all
        recording.add_return_visit(s, p2, dt.date(2025, 9, 20), "电话", "满意", actor=CLERK,
                                   now=dt.datetime(2025, 10, 20, 11))
    assert stored_set(db_url) == set_id
    everything_matches_the_live_count(db_url)


def test_an_import_keeps_the_stored_inputs(db_url, tmp_path):
    """An import of records dated after the quarter leaves its set as it was; one of late records
    inside it counts them into the same set before it commits."""
    with session_scope(db_url) as s:
        _hand_built(s)
    with session_scope(db_url) as s:
        before = assessment.count_inputs(s, PROVINCE, Q3, Policy(), "unit")
        household, cadre = s.execute(select(b.m.Household.code, b.m.Cadre.code)
                                     .join(Pairing, Pairing.household_id == b.m.Household.id)
                                     .join(b.m.Cadre, b.m.Cadre.id == Pairing.cadre_id).where(Pairing.id == 2)).one()
    set_id = stored_set(db_url)
    rows = stored_rows(db_url, set_id)

    def run(name, *records):
        book = wb.write_xlsx(tmp_path / name, {"联系记录": [["户编号", "干部编号", "日期", "方式", "内容"], *records]})
        with session_scope(db_url) as s:
            result = imports.run_import(s, imports.read_path(book), actor=Actor("admin", "admin"), policy=Policy(),
                                        today=TODAY)
            assert not result.problems, result.problems

    run("later.xlsx", [household, cadre, "2025-10-08", "实地走访", "十月的走访"])
    assert stored_set(db_url) == set_id and stored_rows(db_url, set_id) == rows
    run("late.xlsx", [household, cadre, "2025-08-03", "实地走访", "补录的走访"])
    assert stored_set(db_url) == set_id
    with session_scope(db_url) as s:
        assert assessment_store.inputs(s, PROVINCE, Q3, Policy(), "unit") == live(s, PROVINCE, "unit") != before
    assert stored_set(db_url) == set_id


def test_an_import_moving_a_cadre_to_another_unit_stores_the_quarters_afresh(db_url, tmp_path):
    """Moving a cadre moves their households' figures between units in every quarter: the import
    cannot keep the sets; its upkeep stores the quarters 季考核 opens on afresh once it commits (no
    viewer pays), and the others are no longer valid (never read stale)."""
    with session_scope(db_url) as s:
        _hand_built(s)
        zhang = s.scalar(select(b.m.Cadre.code).where(b.m.Cadre.name == "张明"))
    last = assessment.Quarter.last_ended(current_date())
    with session_scope(db_url) as s:
        before = assessment.count_inputs(s, PROVINCE, last, Policy(), "unit")
        assessment.count_inputs(s, PROVINCE, Q3, Policy(), "unit")
        old = assessment_store._valid(s, last, Policy())
    assert old is not None and stored_set(db_url) is not None
    book = wb.write_xlsx(tmp_path / "move.xlsx", {"干部": [["干部编号", "姓名", "工作单位", "职级", "领导干部"],
                                                         [zhang, "张明", "县卫健局", "一般干部", "否"]]})
    with session_scope(db_url) as s:
        result = imports.run_import(s, imports.read_path(book), actor=Actor("admin", "admin"), policy=Policy(),
                                    today=TODAY)
        assert not result.problems, result.problems
    assert stored_set(db_url) is None  # 2025Q3: stored again by its next reader
    with session_scope(db_url) as s:
        new = assessment_store._valid(s, last, Policy())
        assert new not in (None, old)
        now = {key: values for (key, _), values in assessment._count(s, PROVINCE, last, Policy(), "unit").items()}
        assert assessment_store.inputs(s, PROVINCE, last, Policy(), "unit") == now != before
        assert len(now) == 1  # both cadres now work in 县卫健局
        assert assessment_store._valid(s, last, Policy()) == new
