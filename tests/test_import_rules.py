"""Each rule of IMPORT_FORMAT.md, one real workbook file per case: the import names the sheet, the
Excel row, the column and the problem, and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access import imports
from data_access import models as m
from data_access.db import session_scope
from data_access.imports import parsing
from data_access.permissions import Actor
from data_access.policy import Policy
from tests import builders as b
from tests.import_workbooks import CHILD_ID, V1, base_sheets, set_cell, with_saved_formula, write_xlsx

TODAY = dt.date(2024, 6, 30)


IMPORTER = Actor("测试", "admin")


def run(url: str, path, actor: Actor = IMPORTER, **kwargs) -> imports.ImportResult:
    with session_scope(url) as session:
        return imports.run_import(session, imports.read_path(path), actor=actor, policy=Policy(), today=TODAY, **kwargs)


def persons_count(url: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(func.count()).select_from(m.Person)).scalar_one()


def test_base_workbook_is_clean(sqlite_url, tmp_path):
    result = run(sqlite_url, write_xlsx(tmp_path / "ok.xlsx", base_sheets()))
    assert result.problems == []
    assert result.outcome == "成功"
    assert persons_count(sqlite_url) == 2


BAD_ID = CHILD_ID[:17] + ("0" if CHILD_ID[17] != "0" else "1")

# (sheet, data row, column, value, the Excel row reported, message fragment)
CASES = [
    ("对象", 1, "身份证号", BAD_ID, 2, "校验位不对"),
    ("对象", 1, "身份证号", CHILD_ID[:17], 2, "应为 18 位"),
    ("对象", 1, "身份证号", 6.21225201204051e17, 2, "存成了数字"),
    ("对象", 1, "身份证号", "621225201302300011", 2, "出生日期 20130230 不存在"),
    ("对象", 1, "性别", "女", 2, "与身份证号不一致"),
    ("对象", 1, "出生日期", "2012-04-06", 2, "与身份证号不一致"),
    ("对象", 1, "类别", "低保户", 2, "不在可选范围内"),
    ("对象", 1, "区划代码", "62122510000", 2, "应为 12 位"),
    ("对象", 1, "状态", "在册", 2, None),  # placeholder replaced below
    ("对象", 1, "退出日期", "2023-06-01", 2, "只有状态为“退出”时才填写"),
    ("对象", 2, "状态", "退出", 3, "必须填写退出日期"),
    ("对象", 2, "联系电话", "1391234567", 3, "格式不对"),
    ("对象", 2, "核查标记", "重复", 3, "不在可选范围内"),
    ("对象", 2, "姓名", None, 3, "是必填项"),
    ("对象", 2, "姓名", "长" * 51, 3, "内容过长"),
    ("干部", 2, "工作单位", "单位" * 101, 3, "内容过长"),
    ("干部", 1, "领导干部", "否", 2, "职级为县级的干部是领导干部"),
    ("干部", 2, "职级", "副科", 3, "不在可选范围内"),
    ("干部", 2, "干部编号", "GB01", 3, "与本表第 2 行的干部编号重复"),
    ("干部", 2, "领导干部", "可能", 3, "不在可选范围内"),
    ("结对", 1, "户编号", "H999", 2, "都找不到"),
    ("结对", 1, "干部编号", "GB99", 2, "都找不到"),
    ("结对", 1, "解除日期", "2023-02-01", 2, "解除日期应晚于结对日期"),
    ("结对", 1, "解除原因", "调动", 2, "只有填写了解除日期"),
    ("结对", 1, "结对日期", "明天", 2, "无法识别的日期"),
    ("结对", 1, "结对日期", 45049, 2, "日期序号"),
    ("结对", 1, "结对日期", "2024-07-01", 2, "晚于今天"),
    ("联系记录", 1, "日期", "2023-02-01", 2, "没有有效的结对关系"),
    ("联系记录", 1, "方式", "上门", 2, "不在可选范围内"),
    ("联系记录", 1, "慰问金额", -50, 2, "不能为负数"),
    ("联系记录", 1, "慰问金额", "两百", 2, "不是数字"),
    ("联系记录", 1, "日期", "2024-12-01", 2, "晚于今天"),
    ("联系记录", 2, "干部编号", "GB01", 3, "没有有效的结对关系"),
    ("诉求台账", 1, "办结日期", None, 2, "必须填写办结日期"),
    ("诉求台账", 1, "办结日期", "2023-05-01", 2, "办结日期早于提出日期"),
    ("诉求台账", 1, "状态", "办理中", 2, "只有状态为“已办结”时才填写"),
    ("诉求台账", 1, "办理期限", "2023-05-01", 2, "办理期限早于提出日期"),
    ("诉求台账", 1, "类别", "吃饭", 2, "不在可选范围内"),
    ("诉求台账", 1, "户编号", "H404", 2, "都找不到"),
    ("诉求台账", 1, "责任层级", "乡镇", 2, "不在可选范围内"),
    ("诉求台账", 1, "提出日期", "2099-01-01", 2, "晚于今天"),
]
CASES = [c for c in CASES if c[5] is not None]


@pytest.mark.parametrize("sheet,row,column,value,excel_row,fragment", CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[5]}" for c in CASES])
def test_rule(sqlite_url, tmp_path, sheet, row, column, value, excel_row, fragment):
    sheets = base_sheets()
    set_cell(sheets, sheet, row, column, value)
    result = run(sqlite_url, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert result.outcome == "拒绝"
    hits = [p for p in result.problems if p.sheet == sheet and p.row == excel_row and fragment in p.message]
    assert hits, [p.line() for p in result.problems]
    assert persons_count(sqlite_url) == 0


def test_exit_needs_a_reason_and_exit_only_with_status(sqlite_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "对象", 2, "状态", "退出")
    set_cell(sheets, "对象", 2, "退出日期", "2024年1月5日")
    result = run(sqlite_url, write_xlsx(tmp_path / "x.xlsx", sheets))
    assert [(p.row, p.column) for p in result.problems if p.sheet == "对象"] == [(3, "退出原因")]
    set_cell(sheets, "对象", 2, "退出原因", "死亡")
    assert run(sqlite_url, write_xlsx(tmp_path / "y.xlsx", sheets)).problems == []


def test_overlapping_pairings_in_the_workbook_and_with_stored_rows(sqlite_url, tmp_path):
    sheets = base_sheets()
    sheets["结对"].append(["H001", "GB01", "2023-06-01", None, None])
    result = run(sqlite_url, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert any(p.sheet == "结对" and p.row == 4 and "时间重叠" in p.message for p in result.problems)

    assert run(sqlite_url, write_xlsx(tmp_path / "b.xlsx", base_sheets())).outcome == "成功"
    later = {"结对": [["户编号", "干部编号", "结对日期"], ["H001", "GB01", "2024-01-01"]]}
    result = run(sqlite_url, write_xlsx(tmp_path / "c.xlsx", later))
    assert [p.message for p in result.problems] == ["与已有的结对（2023-03-01 至今）时间重叠"]


def test_a_problem_that_follows_from_another_is_reported(sqlite_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "对象", 1, "身份证号", BAD_ID)
    set_cell(sheets, "干部", 2, "职级", "办事员")
    result = run(sqlite_url, write_xlsx(tmp_path / "f.xlsx", sheets))
    lines = [p.line() for p in result.problems]
    assert any(p.sheet == "结对" and p.row == 2 and "对象表第 2 行" in p.message for p in result.problems), lines
    assert any(p.sheet == "结对" and p.row == 3 and "干部表第 3 行" in p.message for p in result.problems), lines
    assert any(p.sheet == "联系记录" and p.row == 2 and "随之不能导入" in p.message for p in result.problems), lines
    assert any(p.sheet == "诉求台账" and p.row == 2 and "对象表第 2 行" in p.message for p in result.problems), lines


def test_same_id_twice_in_the_sheet(sqlite_url, tmp_path):
    sheets = base_sheets()
    sheets["对象"].append([CHILD_ID.lower(), "王小明", None, None, "孤儿", "H009", V1, None, None, None, None])
    result = run(sqlite_url, write_xlsx(tmp_path / "d.xlsx", sheets))
    assert any(p.row == 4 and "与本表第 2 行的身份证号相同" in p.message for p in result.problems)


def test_duplicate_contact_without_record_number(sqlite_url, tmp_path):
    sheets = base_sheets()
    sheets["联系记录"].append(["H002", "GB02", "2023/5/4", "电话", "询问身体情况", None, None])
    result = run(sqlite_url, write_xlsx(tmp_path / "d.xlsx", sheets))
    assert any(p.row == 4 and "同一条联系记录" in p.message for p in result.problems)


def test_missing_required_column_and_empty_sheet(sqlite_url, tmp_path):
    sheets = base_sheets()
    for line in sheets["干部"]:
        del line[3]  # 职级
    sheets["诉求台账"] = []
    result = run(sqlite_url, write_xlsx(tmp_path / "m.xlsx", sheets))
    assert any(p.sheet == "干部" and p.row == 1 and p.column == "职级" and "缺少必填列" in p.message for p in result.problems)
    assert any(p.sheet == "诉求台账" and "工作表是空的" in p.message for p in result.problems)
    assert result.counts["干部"].rejected == 2


def test_formula_cells_count_by_their_saved_value(sqlite_url, tmp_path):
    sheets = base_sheets()
    set_cell(sheets, "联系记录", 1, "慰问金额", 424242)
    set_cell(sheets, "联系记录", 2, "慰问金额", 434343)
    path = write_xlsx(tmp_path / "f.xlsx", sheets)
    with_saved_formula(path, 424242, "100*2", 200)
    with_saved_formula(path, 434343, "100*3", None)
    result = run(sqlite_url, path)
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("联系记录", 3, "慰问金额")]
    assert "公式" in result.problems[0].message


def test_region_names_must_match_and_new_villages_need_names(sqlite_url, tmp_path):
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
    sheets = base_sheets()
    del sheets["区划"]
    set_cell(sheets, "对象", 1, "村", "南关村")  # V1 is 城关村
    set_cell(sheets, "对象", 2, "区划代码", "621225100099")  # unknown village, no names
    result = run(sqlite_url, write_xlsx(tmp_path / "r.xlsx", sheets))
    assert any(p.row == 2 and p.column == "村" and "城关村" in p.message for p in result.problems)
    assert any(p.row == 3 and "新的村（社区）" in p.message for p in result.problems)
    set_cell(sheets, "对象", 1, "村", "城关村")
    set_cell(sheets, "对象", 2, "村", "新建村")
    assert run(sqlite_url, write_xlsx(tmp_path / "s.xlsx", sheets)).problems == []
    with session_scope(sqlite_url) as s:
        village = s.get(m.Region, "621225100099")
        assert (village.name, village.level, village.parent_code) == ("新建村", "village", "621225100")


def test_facts_for_verification_are_not_import_errors(sqlite_url, tmp_path):
    """A child who turned 18, an ID from another county, a household with no pairing."""
    from tests.import_workbooks import id_number

    sheets = base_sheets()
    sheets["对象"].append([id_number(dt.date(2004, 1, 1), 3, True, region="620102"), "马成年", None, None,
                          "孤儿", "H003", V1, None, None, None, None])
    result = run(sqlite_url, write_xlsx(tmp_path / "v.xlsx", sheets))
    assert result.problems == []
    assert persons_count(sqlite_url) == 3


def test_import_outside_the_users_region_is_refused(sqlite_url, tmp_path):
    from data_access.scope import Scope

    result = run(sqlite_url, write_xlsx(tmp_path / "s.xlsx", base_sheets()), actor=Actor("测试", "admin", Scope.for_region("621226")))
    assert any(p.sheet == "对象" and "管理范围" in p.message for p in result.problems)
    assert persons_count(sqlite_url) == 0


@pytest.mark.parametrize("typed,expected", [
    ("2023-05-03", dt.date(2023, 5, 3)), ("2023-5-3", dt.date(2023, 5, 3)), ("2023/5/3", dt.date(2023, 5, 3)),
    ("2023.5.3", dt.date(2023, 5, 3)), ("2023年5月3日", dt.date(2023, 5, 3)), ("20230503", dt.date(2023, 5, 3)),
    (20230503, dt.date(2023, 5, 3)), (dt.datetime(2023, 5, 3, 14, 30), dt.date(2023, 5, 3)),
    ("２０２３年５月３日", dt.date(2023, 5, 3)), (" 2023 年 5 月 3 日 ", dt.date(2023, 5, 3)),
    ("2023-05-03 00:00:00", dt.date(2023, 5, 3)),
])
def test_dates_as_people_type_them(typed, expected):
    assert parsing.parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["45049", 45049, "明天", "2023-02-30", "5/3/2023", 45049.5, "2023年13月1日"])
def test_dates_that_are_not_guessed(typed):
    with pytest.raises(parsing.ValueProblem):
        parsing.parse_date(typed)


def test_id_numbers_and_phones():
    number, birth, sex = parsing.parse_id_number("11010519491231002x")
    assert (number, birth, sex) == ("11010519491231002X", dt.date(1949, 12, 31), "女")
    assert parsing.parse_id_number("１１０１０５１９４９１２３１００２Ｘ")[0] == "11010519491231002X"
    for phone in ("13912345678", 13912345678, "0939-1234567", "09391234567", "010-12345678"):
        assert parsing.parse_phone(phone)
    for phone in ("12912345678", "1391234567", "939-1234567", "0939-123456"):
        with pytest.raises(parsing.ValueProblem):
            parsing.parse_phone(phone)


def test_a_typed_number_in_a_date_formatted_cell(sqlite_url, tmp_path):
    """20230503 typed into a cell Excel formats as a date is read as typed, not as a serial."""
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "d.xlsx", base_sheets())
    workbook = load_workbook(path)
    cell = workbook["联系记录"]["C2"]
    cell.value, cell.number_format = 20230503, "yyyy-mm-dd"
    workbook.save(path)
    assert run(sqlite_url, path).problems == []
