"""Workbooks for the import tests, written as real files with openpyxl: a clean one typed the way a
county office types (title row, spaced and full-width headers, mixed date forms, lower-case x),
and a county-sized one (≈5 thousand persons, 30 thousand contacts) for timing."""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from data_access.imports.parsing import check_digit

COUNTY = "621225"
T1, T2 = "621225100", "621225101"
V1, V2, V3 = "621225100001", "621225100002", "621225101001"


def id_number(birth: dt.date, seq: int, male: bool, region: str = COUNTY) -> str:
    """A valid 18-digit ID (GB 11643) for a birth date, sequence and sex."""
    order = seq * 2 + (1 if male else 0)  # the 17th digit is odd for men; seq < 500
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def with_saved_formula(path: Path, placeholder: int, formula: str, saved: object | None) -> Path:
    """Replace the number `placeholder` in the workbook by a formula cell, with or without its
    saved value (openpyxl cannot write a saved value itself)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    for name, body in members.items():
        if name.startswith("xl/worksheets/") and f"<v>{placeholder}</v>".encode() in body:
            replacement = f"<f>{formula}</f>" + (f"<v>{saved}</v>" if saved is not None else "")
            members[name] = re.sub(
                rf'( t="n")?><v>{placeholder}</v>'.encode(), b">" + replacement.encode(), body
            )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return path


# ---- a small valid workbook, as rows (header first), for rule-by-rule tests -------------------

CHILD_ID = id_number(dt.date(2012, 4, 5), 11, male=True)
ADULT_ID = id_number(dt.date(1958, 9, 30), 12, male=False)


def base_sheets() -> dict[str, list[list]]:
    return {
        "区划": [["区划代码", "名称"], [COUNTY, "西和县"], [T1, "汉源镇"], [V1, "城关村"]],
        "对象": [
            ["身份证号", "姓名", "性别", "出生日期", "类别", "户编号", "区划代码", "状态", "退出日期", "退出原因", "联系电话"],
            [CHILD_ID, "王小明", "男", "2012-04-05", "孤儿", "H001", V1, "在册", None, None, None],
            [ADULT_ID, "李秀英", "女", "1958-09-30", "特困人员", "H002", V1, None, None, None, "13912345678"],
        ],
        "干部": [
            ["干部编号", "姓名", "工作单位", "职级", "领导干部"],
            ["GB01", "张县长", "西和县人民政府", "县级", "是"],
            ["GB02", "刘干事", "西和县民政局", "一般干部", "否"],
        ],
        "结对": [
            ["户编号", "干部编号", "结对日期", "解除日期", "解除原因"],
            ["H001", "GB01", "2023-03-01", None, None],
            ["H002", "GB02", "2023-03-01", None, None],
        ],
        "联系记录": [
            ["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"],
            ["H001", "GB01", "2023-05-03", "实地走访", "入户看望", 200, "R1"],
            ["H002", "GB02", "2023-05-04", "电话", "询问身体情况", None, None],
        ],
        "诉求台账": [
            ["诉求编号", "户编号", "提出日期", "类别", "内容", "状态", "办结日期", "办结情况", "办理期限"],
            ["S1", "H001", "2023-05-03", "上学", "需要学习用品", "已办结", "2023-05-20", "已购买", None],
        ],
    }


def set_cell(sheets: dict[str, list[list]], sheet: str, row: int, column: str, value) -> None:
    """Set the cell of data row `row` (1 = first row under the header) in `column`."""
    header = sheets[sheet][0]
    if column not in header:
        header.append(column)
        for line in sheets[sheet][1:]:
            line.append(None)
    sheets[sheet][row][header.index(column)] = value


# ---- a workbook as a county office types it --------------------------------------------------

def hand_typed(path: Path) -> Path:
    """Everything the format page promises to accept, in one workbook."""
    sheets = {
        "填表说明": [["本表由县民政局填报"], ["联系人：王会计"]],
        " 区划": [["区划代码", "名 称"], [COUNTY, "西和县"]],
        "对象": [
            ["西和县三类困难群体花名册（2023年）"],
            [],
            ["序号", " 户编号", "姓　名", "身份证号码 ", "类别", "区划代码", "乡镇", "村", "性别", "出生日期",
             "联系电话", "监护人", "备注"],
            [1, "XH-001", "王小明", CHILD_ID, "孤儿", int(V1), "汉源镇", "城关村", "男", dt.datetime(2012, 4, 5),
             None, "王建国", "祖父监护"],
            [2, "XH-002", "李秀英", ADULT_ID.lower(), "特困人员", V1, "汉源镇", "城关村", None, "1958年9月30日",
             13912345678, None, None],
            [None, None, None, None, None, None, None, None, None, None, None, None, None],
            [3, "XH-003", "赵大山", id_number(dt.date(1975, 1, 2), 13, male=True), "困难重度残疾人", V3, "长道镇",
             "长道村", "男", 19750102, "0939-1234567", None, "一级肢体残疾"],
            [4, "XH-003", "赵小山", id_number(dt.date(2003, 6, 7), 14, male=True), "事实无人抚养儿童", V3, "长道镇",
             "长道村", "男", "２００３／６／７", None, None, "已满18岁"],
        ],
        "干部": [
            ["姓名", "干部编号", "工作单位", "职级", "领导干部", "联系电话", "单位区划代码"],
            ["张县长", "GB01", "西和县人民政府", "县级", None, "13800000001", COUNTY],
            ["刘干事", "GB02", "西和县民政局", "一般干部", "否", None, COUNTY],
            ["陈科长", "GB03", "西和县民政局", "科级", "是", None, None],
        ],
        "结对": [
            ["干部编号", "户编号", "结对日期", "解除日期", "解除原因"],
            ["GB01", "XH-001", "2023-3-1", None, None],
            ["GB02", "XH-002", "2023.3.1", None, None],
            ["GB03", "XH-003", dt.date(2023, 3, 1), "2023-09-30", "工作调动"],
            ["GB02", "XH-003", "2023-09-30", None, None],
        ],
        "联系记录": [
            ["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"],
            ["XH-001", "GB01", "2023-05-03", "实地走访", "入户看望，送学习用品", "200元", "LX-1"],
            ["XH-001", "GB01", "2023/6/18", "电话", None, None, "LX-2"],
            ["XH-002", "GB02", "20230503", "微信", "询问身体情况", 0, None],
            ["XH-003", "GB03", "2023年7月1日", "实地走访", "送米面油", 987654321, None],
            ["XH-003", "GB02", "２０２３-１０-０８", "视频", "中秋问候", None, None],
        ],
        "诉求台账": [
            ["诉求编号", "户编号", "提出日期", "类别", "内容", "责任层级", "办理期限", "状态", "办结日期", "办结情况"],
            ["SQ-1", "XH-001", "2023-05-03", "上学", "需要学习用品", None, None, "已办结", "2023-05-20", "干部自费购买"],
            ["SQ-2", "XH-003", "2023-07-01", "住房", "房屋漏雨", "单位", "2023-12-31", None, None, None],
        ],
    }
    write_xlsx(path, sheets)
    return with_saved_formula(path, 987654321, "100*3", 300)


# ---- a county-sized workbook ----------------------------------------------------------------

def county_scale(path: Path, persons: int = 5000, contacts: int = 30000, seed: int = 7) -> Path:
    rng = random.Random(seed)
    townships = [f"{COUNTY}{100 + t:03d}" for t in range(10)]
    villages = [f"{t}{v:03d}" for t in townships for v in range(1, 21)]
    regions = [["区划代码", "名称"], [COUNTY, "西和县"]]
    regions += [[t, f"第{i + 1}乡镇"] for i, t in enumerate(townships)]
    regions += [[v, f"第{i + 1}村"] for i, v in enumerate(villages)]
    groups = ["孤儿", "事实无人抚养儿童", "困难重度残疾人", "特困人员"]
    person_rows = [["身份证号", "姓名", "性别", "出生日期", "类别", "户编号", "区划代码", "联系电话"]]
    households: list[str] = []
    for i in range(persons):
        group = groups[0] if i % 20 == 0 else groups[1] if i % 20 == 1 else groups[2 + i % 2]
        day = i * 37 % 2000  # (day, i // 2000) is unique per person: so is the ID number
        birth = dt.date(2010, 1, 1) + dt.timedelta(days=day) if group in groups[:2] \
            else dt.date(1940, 1, 1) + dt.timedelta(days=day * 10)
        male = bool(i % 2)
        household = f"H{i - 1 if i % 12 == 0 and i else i:05d}"  # every twelfth person joins the one before
        if not households or households[-1] != household:
            households.append(household)
        village = villages[int(household[1:]) % len(villages)]
        person_rows.append([id_number(birth, i // 2000, male), f"对象{i}", "男" if male else "女", birth.isoformat(), group,
                            household, village, f"13{rng.randrange(10**9):09d}"])
    cadre_rows = [["干部编号", "姓名", "工作单位", "职级"]]
    pairing_rows = [["户编号", "干部编号", "结对日期"]]
    for i, household in enumerate(households):
        cadre_rows.append([f"GB{i:05d}", f"干部{i}", f"单位{i % 60}", "科级" if i % 10 == 0 else "一般干部"])
        pairing_rows.append([household, f"GB{i:05d}", "2023-01-15"])
    contact_rows = [["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"]]
    methods = ["实地走访", "电话", "微信", "短信", "视频"]
    for n in range(contacts):
        i = rng.randrange(len(households))
        day = dt.date(2023, 1, 15) + dt.timedelta(days=rng.randrange(340))
        contact_rows.append([households[i], f"GB{i:05d}", day.isoformat(), methods[n % 5], f"联系{n}",
                             rng.choice([None, 0, 100, 200]), f"LX{n:06d}"])
    need_rows = [["诉求编号", "户编号", "提出日期", "类别", "内容"]]
    for n in range(len(households) // 5):
        need_rows.append([f"SQ{n:05d}", households[n * 5], "2023-06-01", "生活", "生活困难"])
    return write_xlsx(path, {"区划": regions, "对象": person_rows, "干部": cadre_rows, "结对": pairing_rows,
                             "联系记录": contact_rows, "诉求台账": need_rows})
