"""季考核: the records behind a frozen vs recomputed difference — on a hand-built county, freeze Q3,
import late records, and the list (page, counts per unit, workbook sheet) shows exactly those:
dated inside the quarter and entered after the freeze; nothing entered before it, nothing dated
outside the quarter."""

from __future__ import annotations

import datetime as dt
import io
import time

import pandas as pd
from sqlalchemy import select

from data_access import assessment, assessment_late, assessment_report, imports
from data_access.db import session_scope
from data_access.models import Cadre, Household, Pairing, Satisfaction
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import Scope
from tests import builders as b
from tests import import_workbooks as wb
from tests.test_assessment import LEADER, Q3, TODAY, _hand_built

D = dt.date


def test_the_records_entered_after_the_freeze_are_listed_exactly(db_url, tmp_path):
    with session_scope(db_url) as s:
        _hand_built(s)
    with session_scope(db_url) as s:
        frozen_at = assessment.freeze(s, b.COUNTY, Q3, Policy(), actor=LEADER, today=TODAY).frozen_at
    time.sleep(1.1)  # entry times are compared to the second the freeze was stored at
    with session_scope(db_url) as s:
        (h2, zhang_code), (h3, li_code) = [s.execute(
            select(Household.code, Cadre.code).join(Pairing, Pairing.household_id == Household.id)
            .join(Cadre, Cadre.id == Pairing.cadre_id).where(Pairing.id == pid)).one() for pid in (2, 3)]
    book = wb.write_xlsx(tmp_path / "late.xlsx", {"联系记录": [
        ["户编号", "干部编号", "日期", "方式", "内容"],
        [h2, zhang_code, "2025-08-03", "实地走访", "补录的走访"],
        [h3, li_code, "2025-09-30", "电话", "补录的电话"],
        [h2, zhang_code, "2025-10-02", "电话", "季度之后的电话"],  # after the quarter: not listed
        [h3, li_code, "2025-06-30", "电话", "季度之前的电话"],  # before the quarter: not listed
    ]})
    with session_scope(db_url) as s:
        result = imports.run_import(s, imports.read_path(book), actor=Actor("admin", "admin"), policy=Policy(),
                                    today=TODAY)
        assert not result.problems, result.problems
        h1 = s.scalar(select(Pairing.household_id).where(Pairing.id == 1))
        s.add(Satisfaction(household_id=h1, pairing_id=1, survey_date=D(2025, 9, 15), level="不满意"))
    scope = Scope.for_region(b.COUNTY)
    with session_scope(db_url) as s:
        total, rows = assessment_late.late_records(s, scope, Q3, frozen_at)
        counts = assessment_late.late_counts(s, scope, Q3, frozen_at)
        first_page = assessment_late.late_records(s, scope, Q3, frozen_at, page=1, page_size=2)
        second_page = assessment_late.late_records(s, scope, Q3, frozen_at, page=2, page_size=2)
        health = s.scalar(select(Cadre.unit_id).where(Cadre.code == li_code))
        only_health = assessment_late.late_records(s, scope, Q3, frozen_at, unit_id=health)[1]
        elsewhere = assessment_late.late_records(s, Scope.for_region(b.TOWNSHIP_B), Q3, frozen_at)[1]
    assert total == 3
    assert list(rows.columns) == assessment_late.LATE_COLUMNS
    assert rows[["工作单位", "记录", "干部", "日期"]].values.tolist() == [
        ["县卫健局", "联系记录（电话）", "李华", D(2025, 9, 30)],
        ["县民政局", "联系记录（实地走访）", "张明", D(2025, 8, 3)],
        ["县民政局", "满意度回访（不满意）", "张明", D(2025, 9, 15)],
    ]
    assert (rows["录入时间"] > frozen_at).all()
    assert rows["户编号"].tolist()[1] == h2
    assert all("*" in name or name == "" for name in rows["对象"])
    assert counts[["工作单位", "条数"]].values.tolist() == [["县民政局", 2], ["县卫健局", 1]]
    assert first_page[0] == second_page[0] == 3
    assert len(first_page[1]) == 2 and len(second_page[1]) == 1
    assert pd.concat([first_page[1], second_page[1]], ignore_index=True).equals(rows)
    assert only_health["干部"].tolist() == ["李华"]
    assert elsewhere["工作单位"].tolist() == ["县卫健局"]  # H3 lies in township B

    with session_scope(db_url) as s:
        book = assessment_report.export(s, b.COUNTY, Q3, Policy(), "xlsx", actor=LEADER)
    sheet = pd.read_excel(io.BytesIO(book), sheet_name="冻结后补录记录")
    assert sheet["记录"].tolist() == rows["记录"].tolist()
