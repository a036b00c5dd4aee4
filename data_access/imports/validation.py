"""Every rule of the exchange workbook (IMPORT_FORMAT.md), row by row and across sheets.

`validate(session, book, scope, today)` reads each sheet in the format's order and returns the
rows that can be stored (as model attribute dicts plus their reference keys) and every problem at
once: sheet, Excel row, column, value and a Chinese sentence. References are checked against the
workbook and the stored rows; a row that only fails because a row it depends on was rejected
(contacts of a household whose person row has an error) is rejected too, with a message that says
so. Facts for the verification page (a child who turned 18, a household with no pairing, an ID
whose region prefix differs from 区划代码) are not import errors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import official_regions
from data_access.imports import parsing as p
from data_access.imports.reading import RawBook, RawRow, RawSheet
from data_access.imports.schema import (
    BY_NAME,
    CADRES,
    CONTACTS,
    NEEDS,
    PAIRINGS,
    PERSONS,
    POLICY,
    REGIONS,
    RETURN_VISITS,
)
from data_access.models import Cadre, Household, Pairing, Person, Region, Unit
from data_access.scope import Scope, region_prefix
from data_access.vocabulary import (
    CADRE_ACTIVE,
    CADRE_CAME_ANSWERS,
    CADRE_STATUSES,
    ENTITLED_POLICIES,
    ESCALATION_LEVELS,
    GROUPS,
    LEVEL_CADRE,
    METHODS,
    NEED_CATEGORIES,
    NEED_CLOSED,
    NEED_OPEN,
    NEED_STATUSES,
    PERSON_ACTIVE,
    PERSON_EXITED,
    PERSON_STATUSES,
    POLICY_ALIASES,
    POLICY_DELIVERED,
    POLICY_NOT_APPLICABLE,
    POLICY_STATUSES,
    RANK_COUNTY,
    RANKS,
    RETURN_VISIT_METHODS,
    SATISFACTION_LEVELS,
    VERIFICATION_FLAGS,
)

# Text columns with a stored width (models.py); longer values are row errors, not database errors.
MAX_LENGTHS = {"姓名": 50, "监护人": 50, "退出原因": 200, "工作单位": 200, "解除原因": 200, "名称": 100, "回访人": 60,
               "乡镇": 100, "村": 100, "户编号": 40, "干部编号": 40, "记录编号": 60, "诉求编号": 60, "回访编号": 60}
CHUNK = 900  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Problem:
    sheet: str | None
    row: int | None  # the row number Excel shows; None for a problem with the whole file or sheet
    column: str | None
    value: str
    message: str

    def line(self) -> str:
        where = [self.sheet or "文件"]
        if self.row:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        value = f"（值：{self.value}）" if self.value else ""
        return f"{' '.join(where)}{value}：{self.message}"


@dataclass
class Valid:
    """A row that can be stored: `attrs` are model attributes; `refs` the natural keys it points to."""

    raw: RawRow
    attrs: dict
    refs: dict = field(default_factory=dict)


@dataclass
class Checked:
    book: RawBook
    valid: dict[str, list[Valid]]
    rejected: dict[str, dict[int, RawRow]]  # sheet → Excel row → row
    problems: list[Problem]
    new_regions: dict[str, str]  # regions named only by 对象 rows: code → name
    present: dict[str, frozenset[str]]  # sheet → columns the sheet has


def display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def region_level(code: str) -> str:
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def region_parent(code: str) -> str | None:
    """The code's parent by prefix: village → township → county → city → province."""
    if len(code) == 12:
        return code[:9]
    if len(code) == 9:
        return code[:6]
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


class RowCheck:
    """Parses the cells of one row; every failure becomes a problem, the row is rejected if any."""

    def __init__(self, sheet: str, raw: RawRow, problems: list[Problem]):
        self.sheet, self.raw, self.problems, self.ok = sheet, raw, problems, True

    def fail(self, column: str | None, message: str, value: object = None) -> None:
        if value is None and column:
            value = self.raw.values.get(column)
        shown = display(value)
        if len(shown) > 100:  # a value is quoted to find it, not in full
            shown = shown[:100] + f"…（共 {len(shown)} 个字）"
        self.problems.append(Problem(self.sheet, self.raw.excel_row, column, shown, message))
        self.ok = False

    def has(self, column: str) -> bool:
        return not (self.raw.values.get(column) is None or p.text(self.raw.values.get(column)) is None)

    def get(self, column: str, parser: Callable[[object], object] = p.text, required: bool = False):
        if column in self.raw.unsaved_formulas:
            self.fail(column, "该单元格是公式但没有保存计算结果：请在 Excel 中打开、确认结果后保存，再导入")
            return None
        value = self.raw.values.get(column)
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses it; SQLite would cut the text there
            self.fail(column, "含有空字符（NUL，多为从其他系统导出时带入的不可见字符）；请删除后再导入", value.replace("\x00", "�"))
            return None
        if p.text(value) is None:
            if required:
                self.fail(column, f"“{column}”是必填项，不能为空")
            return None
        try:
            result = parser(value)
        except p.ValueProblem as exc:
            self.fail(column, str(exc))
            return None
        limit = MAX_LENGTHS.get(column)
        if limit and isinstance(result, str) and len(result) > limit:
            self.fail(column, f"内容过长（最多 {limit} 个字，现有 {len(result)} 个）")
            return None
        return result

    def date(self, column: str, today: dt.date, required: bool = False, future_ok: bool = False):
        day = self.get(column, p.parse_date, required)
        if day is not None and not future_ok and day > today:
            self.fail(column, f"日期 {day:%Y-%m-%d} 晚于今天，不能是将来的日期")
            return None
        return day


class Stored:
    """The stored rows the workbook refers to, looked up by natural key in chunks."""

    def __init__(self, session: Session, book: RawBook, scope: Scope):
        self.scope = scope

        def keys(sheet: str, *columns: str) -> set[str]:
            found: set[str] = set()
            if sheet in book.sheets:
                for row in book.sheets[sheet].rows:
                    for column in columns:
                        value = p.compact(row.values.get(column))
                        if value:
                            found.add(value.upper() if column == "身份证号" else value)
            return found

        region_codes: set[str] = set()
        for code in keys(PERSONS, "区划代码") | keys(REGIONS, "区划代码"):
            while code:
                region_codes.add(code)
                code = region_parent(code) if len(code) in (6, 9, 12) else None
        self.regions: dict[str, str] = {}
        for batch in chunks(region_codes):
            self.regions.update(session.execute(select(Region.code, Region.name).where(Region.code.in_(batch))).all())

        household_codes = (keys(PERSONS, "户编号") | keys(PAIRINGS, "户编号") | keys(CONTACTS, "户编号")
                           | keys(NEEDS, "户编号") | keys(RETURN_VISITS, "户编号"))
        self.households: dict[str, tuple[int, str]] = {}
        for batch in chunks(household_codes):
            for hid, code, village in session.execute(
                select(Household.id, Household.code, Household.village_code).where(Household.code.in_(batch))
            ):
                self.households[code] = (hid, village)

        self.persons: dict[str, list[tuple[int, str]]] = defaultdict(list)  # ID → (person id, household code)
        self.person_facts: dict[str, list[tuple[str, str]]] = defaultdict(list)  # ID → (group, village)
        for batch in chunks(keys(PERSONS, "身份证号") | keys(POLICY, "身份证号")):
            for pid, number, code, group, village in session.execute(
                select(Person.id, Person.id_number, Household.code, Person.group, Person.village_code)
                .join(Household, Household.id == Person.household_id)
                .where(Person.id_number.in_(batch))
            ):
                self.persons[number].append((pid, code))
                self.person_facts[number].append((group, village))

        self.cadres: set[str] = set()
        for batch in chunks(keys(CADRES, "干部编号") | keys(PAIRINGS, "干部编号") | keys(CONTACTS, "干部编号")
                            | keys(RETURN_VISITS, "干部编号")):
            self.cadres.update(session.scalars(select(Cadre.code).where(Cadre.code.in_(batch))))

        self.units: dict[str, str | None] = {}
        for batch in chunks(keys(CADRES, "工作单位")):
            self.units.update(session.execute(select(Unit.name, Unit.region_code).where(Unit.name.in_(batch))).all())

        # Pairings of the households the workbook names: (household, cadre) → [(start, end)].
        self.pairings: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        for batch in chunks(list(self.households)):
            for hcode, ccode, start, end in session.execute(
                select(Household.code, Cadre.code, Pairing.start_date, Pairing.end_date)
                .join(Household, Household.id == Pairing.household_id)
                .join(Cadre, Cadre.id == Pairing.cadre_id)
                .where(Household.code.in_(batch))
            ):
                self.pairings[(hcode, ccode)].append((start, end))

    def household_visible(self, code: str) -> bool | None:
        """True: stored and inside the scope; False: stored outside it; None: not stored."""
        if code not in self.households:
            return None
        return self.scope.contains(self.households[code][1])


def _overlaps(a: tuple[dt.date, dt.date | None], b: tuple[dt.date, dt.date | None]) -> bool:
    a_end, b_end = a[1] or dt.date.max, b[1] or dt.date.max
    return a[0] < b_end and b[0] < a_end


def _missing_columns(sheet: RawSheet, problems: list[Problem]) -> bool:
    if sheet.header_row == 0:
        problems.append(Problem(sheet.name, None, None, "", "工作表是空的：第一行应为表头（列名），其下每行一条记录"))
        return True
    missing = [c for c in BY_NAME[sheet.name].required if c not in sheet.columns]
    for column in missing:
        problems.append(
            Problem(sheet.name, sheet.header_row, column, "", f"缺少必填列“{column}”（表头在第 {sheet.header_row} 行），本表各行都无法导入")
        )
    return bool(missing)


class Validator:
    def __init__(self, session: Session, book: RawBook, scope: Scope, today: dt.date):
        self.book, self.scope, self.today, self.session = book, scope, today, session
        self.stored = Stored(session, book, scope)
        self.official: dict[str, list[tuple[str, str]] | None] = {}
        self.problems: list[Problem] = []
        self.valid: dict[str, list[Valid]] = {name: [] for name in BY_NAME}
        self.rejected: dict[str, dict[int, RawRow]] = {name: {} for name in BY_NAME}
        self.present = {name: frozenset(s.columns) for name, s in book.sheets.items()}
        # What the workbook itself brings, for references between sheets.
        self.sheet_regions: dict[str, str] = {}
        self.new_regions: dict[str, tuple[str, int]] = {}  # code → (name, Excel row of 对象 that named it)
        self.households: dict[str, str] = {}  # household code → village code (valid 对象 rows)
        self.book_persons: dict[str, str] = {}  # ID number → group (valid 对象 rows)
        self.rejected_persons: dict[str, int] = {}  # ID number → Excel row of its rejected 对象 row
        self.rejected_households: dict[str, int] = {}
        self.cadres: set[str] = set()
        self.rejected_cadres: dict[str, int] = {}
        self.pairings: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)
        self.rejected_pairings: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, int]]] = defaultdict(list)

    def rows(self, name: str) -> Iterator[RowCheck]:
        sheet = self.book.sheets.get(name)
        if sheet is None:
            return
        if _missing_columns(sheet, self.problems):
            for raw in sheet.rows:
                self.rejected[name][raw.excel_row] = raw
            if name == PERSONS:
                for raw in sheet.rows:
                    code = p.compact(raw.values.get("户编号"))
                    if code:
                        self.rejected_households.setdefault(code, raw.excel_row)
            return
        for raw in sheet.rows:
            yield RowCheck(name, raw, self.problems)

    def keep(self, check: RowCheck, attrs: dict, **refs) -> bool:
        if check.ok:
            self.valid[check.sheet].append(Valid(check.raw, attrs, refs))
        else:
            self.rejected[check.sheet][check.raw.excel_row] = check.raw
        return check.ok

    def region_name(self, code: str) -> str | None:
        if code in self.sheet_regions:
            return self.sheet_regions[code]
        if code in self.new_regions:
            return self.new_regions[code][0]
        return self.stored.regions.get(code)

    def in_scope(self, check: RowCheck, column: str, code: str | None) -> None:
        if code and not self.scope.contains(code):
            check.fail(column, "该区划不在您的管理范围内，不能导入")

    # ---- references ---------------------------------------------------------------------------

    def household_ref(self, check: RowCheck, code: str | None) -> None:
        if code is None or code in self.households:
            return
        visible = self.stored.household_visible(code)
        if visible:
            return
        if visible is False:
            check.fail("户编号", f"户编号 {code} 属于您管理范围以外的地区")
        elif code in self.rejected_households:
            check.fail("户编号", f"户编号 {code} 的对象行有错误（对象表第 {self.rejected_households[code]} 行），本行随之不能导入")
        else:
            check.fail("户编号", f"户编号 {code} 在“对象”表和已有数据中都找不到")

    def cadre_ref(self, check: RowCheck, code: str | None) -> None:
        if code is None or code in self.cadres or code in self.stored.cadres:
            return
        if code in self.rejected_cadres:
            check.fail("干部编号", f"干部编号 {code} 的干部行有错误（干部表第 {self.rejected_cadres[code]} 行），本行随之不能导入")
        else:
            check.fail("干部编号", f"干部编号 {code} 在“干部”表和已有数据中都找不到")

    # ---- sheets -------------------------------------------------------------------------------

    def regions(self) -> None:
        first: dict[str, int] = {}
        for check in self.rows(REGIONS):
            code = check.get("区划代码", lambda v: p.parse_region_code(v, (6, 9, 12)), required=True)
            name = check.get("名称", required=True)
            if code:
                ancestor = self.scope.prefix and self.scope.prefix.startswith(region_prefix(code)) and len(code) == 6
                if code in first:
                    check.fail("区划代码", f"与本表第 {first[code]} 行的区划代码重复")
                elif not self.scope.contains(code) and not ancestor:
                    check.fail("区划代码", "该区划不在您的管理范围内，不能导入")
                elif ancestor and not self.scope.contains(code):
                    continue  # the user's own city/province row: kept as stored
                parent = region_parent(code)
                if (len(code) > 6 and parent not in self.sheet_regions and parent not in self.stored.regions
                        and not (len(parent) == 6 and self._official_county(parent))):
                    check.fail("区划代码", f"上级区划 {parent} 未知：请在“区划”表中一并列出")
                first.setdefault(code, check.raw.excel_row)
            if self.keep(check, {"code": code, "name": name}):
                self.sheet_regions[code] = name
                self._official_county(code[:6])  # its city and province, when official and missing
                for part, official_name in self.official.get(code[:6]) or ():
                    if self.region_name(part) is None:
                        self.new_regions[part] = (official_name, check.raw.excel_row)

    def _village(self, check: RowCheck, code: str) -> None:
        """The 12-digit code must be known, or be creatable from this row's 乡镇 / 村 names."""
        township_name, village_name = check.get("乡镇"), check.get("村")
        for part, given, column in ((code[:9], township_name, "乡镇"), (code, village_name, "村")):
            known = self.region_name(part)
            if known is not None and given is not None and p.half_width(given) != p.half_width(known):
                check.fail(column, f"与区划代码 {part} 的名称“{known}”不一致")
            elif known is None and given is None:
                label = "村（社区）" if part == code else "乡镇"
                check.fail(column if column in check.raw.values else "区划代码",
                           f"区划代码 {part} 是新的{label}，需要在“{column}”列填写名称（或在“区划”表中列出）",
                           value=code)
        if self.region_name(code[:6]) is None and not self._official_county(code[:6]):
            check.fail("区划代码", f"县区代码 {code[:6]} 不是国家公布的县级行政区划代码（GB/T 2260），库中和“区划”表中也没有："
                                  "请核对区划代码；新设立的县区请在“区划”表中列出代码和名称")
        if check.ok:
            for part, name in self.official.get(code[:6]) or ():
                if self.region_name(part) is None:
                    self.new_regions[part] = (name, check.raw.excel_row)
            for part, given in ((code[:9], township_name), (code, village_name)):
                if self.region_name(part) is None:
                    self.new_regions[part] = (given, check.raw.excel_row)

    def _official_county(self, county: str) -> bool:
        """An official county (GB/T 2260) the database does not hold yet: it is created, with its
        city and province when they are missing, from the shipped reference list."""
        if county not in self.official:
            self.official[county] = official_regions.county_with_ancestors(self.session, county)
        return self.official[county] is not None

    def persons(self) -> None:
        first_id: dict[str, int] = {}
        household_village: dict[str, tuple[str, int]] = {}
        present = self.present.get(PERSONS, frozenset())
        for check in self.rows(PERSONS):
            parsed = check.get("身份证号", p.parse_id_number, required=True)
            number, birth, sex = parsed if parsed else (None, None, None)
            name = check.get("姓名", required=True)
            group = check.get("类别", lambda v: p.parse_choice(v, GROUPS, "类别"), required=True)
            household = check.get("户编号", lambda v: p.parse_key(v, "户编号"), required=True)
            village = check.get("区划代码", lambda v: p.parse_region_code(v, (12,)), required=True)
            given_sex = check.get("性别", p.parse_sex)
            given_birth = check.date("出生日期", self.today)
            phone = check.get("联系电话", p.parse_phone)
            guardian = check.get("监护人")
            status = check.get("状态", lambda v: p.parse_choice(v, PERSON_STATUSES, "状态"))
            exit_date = check.date("退出日期", self.today)
            exit_reason = check.get("退出原因")
            flag = check.get("核查标记", lambda v: p.parse_choice(v, VERIFICATION_FLAGS, "核查标记"))
            if number:
                if given_sex and given_sex != sex:
                    check.fail("性别", f"与身份证号不一致（按身份证号应为{sex}）")
                if given_birth and given_birth != birth:
                    check.fail("出生日期", f"与身份证号不一致（按身份证号应为 {birth:%Y-%m-%d}）")
                if birth > self.today:
                    check.fail("身份证号", "身份证号中的出生日期晚于今天")
                if number in first_id:
                    check.fail("身份证号", f"与本表第 {first_id[number]} 行的身份证号相同（同一人只能有一行）")
                else:
                    first_id[number] = check.raw.excel_row
                candidates = self.stored.persons.get(number, [])
                if len(candidates) > 1 and not any(code == household for _, code in candidates):
                    check.fail("身份证号", f"已有数据中该身份证号有 {len(candidates)} 条记录（身份重复），无法确定更新哪一条，请先在“数据核查”中处理")
            if status == PERSON_EXITED:
                if exit_date is None and not check.has("退出日期"):
                    check.fail("退出日期", "状态为“退出”时必须填写退出日期")
                if exit_reason is None:
                    check.fail("退出原因", "状态为“退出”时必须填写退出原因")
            else:
                for column, value in (("退出日期", exit_date), ("退出原因", exit_reason)):
                    if value is not None:
                        check.fail(column, "只有状态为“退出”时才填写该列（请把状态改为退出，或清空该列）")
            if exit_date and birth and exit_date < birth:
                check.fail("退出日期", "退出日期早于出生日期")
            if village:
                self.in_scope(check, "区划代码", village)
                self._village(check, village)
            if household and village:
                earlier = household_village.setdefault(household, (village, check.raw.excel_row))
                if earlier[0] != village:
                    check.fail("区划代码", f"同一户编号 {household} 在本表第 {earlier[1]} 行的区划代码是 {earlier[0]}，同一户应在同一个村")
                if self.stored.household_visible(household) is False:
                    check.fail("户编号", f"户编号 {household} 属于您管理范围以外的地区")
            attrs = {"id_number": number, "name": name, "sex": sex, "birth_date": birth, "group": group,
                     "village_code": village}
            optional = {"phone": ("联系电话", phone), "guardian": ("监护人", guardian),
                        "verification_flag": ("核查标记", flag)}
            attrs.update({key: value for key, (column, value) in optional.items() if column in present})
            if "状态" in present:
                attrs.update(status=status or PERSON_ACTIVE, exit_date=exit_date, exit_reason=exit_reason)
            if self.keep(check, attrs, household=household):
                self.households[household] = village
                self.book_persons[number] = group
            else:
                if number:
                    self.rejected_persons.setdefault(number, check.raw.excel_row)
                if household and household not in self.households:
                    self.rejected_households.setdefault(household, check.raw.excel_row)

    def cadres_sheet(self) -> None:
        first: dict[str, int] = {}
        unit_region: dict[str, tuple[str, int]] = {}
        present = self.present.get(CADRES, frozenset())
        for check in self.rows(CADRES):
            code = check.get("干部编号", lambda v: p.parse_key(v, "干部编号"), required=True)
            name = check.get("姓名", required=True)
            unit = check.get("工作单位", required=True)
            rank = check.get("职级", lambda v: p.parse_choice(v, RANKS, "职级"), required=True)
            unit_code = check.get("单位区划代码", lambda v: p.parse_region_code(v, (6, 12)))
            leader = check.get("领导干部", lambda v: p.parse_yes_no(v, "领导干部"))
            phone = check.get("联系电话", p.parse_phone)
            status = check.get("状态", lambda v: p.parse_choice(v, CADRE_STATUSES, "状态"))
            status_date = check.date("状态日期", self.today)
            if status not in (None, CADRE_ACTIVE) and status_date is None and not check.has("状态日期"):
                check.fail("状态日期", f"状态为“{status}”时须填写状态日期（调离、退休等的日期）")
            if status_date is not None and status is None and not check.has("状态"):
                check.fail("状态", "填写了状态日期，须同时填写状态（在岗、调离、退休、其他）")
            if rank == RANK_COUNTY and leader is False:
                check.fail("领导干部", "职级为县级的干部是领导干部，此处不能填“否”")
            if code:
                if code in first:
                    check.fail("干部编号", f"与本表第 {first[code]} 行的干部编号重复")
                first.setdefault(code, check.raw.excel_row)
            if unit and unit_code:
                earlier = unit_region.setdefault(unit, (unit_code, check.raw.excel_row))
                if earlier[0] != unit_code:
                    check.fail("单位区划代码", f"同一工作单位在本表第 {earlier[1]} 行的单位区划代码是 {earlier[0]}")
            attrs = {"code": code, "name": name, "rank": rank,
                     "is_leader": leader if leader is not None else rank == RANK_COUNTY}
            if "联系电话" in present:
                attrs["phone"] = phone
            if "状态" in present:
                attrs["status"], attrs["status_date"] = status or CADRE_ACTIVE, status_date
            if self.keep(check, attrs, unit=unit, unit_region=unit_code):
                self.cadres.add(code)
            elif code and code not in self.cadres:
                self.rejected_cadres.setdefault(code, check.raw.excel_row)

    def pairings_sheet(self) -> None:
        first: dict[tuple[str, str, dt.date], int] = {}
        present = self.present.get(PAIRINGS, frozenset())
        for check in self.rows(PAIRINGS):
            household = check.get("户编号", lambda v: p.parse_key(v, "户编号"), required=True)
            cadre = check.get("干部编号", lambda v: p.parse_key(v, "干部编号"), required=True)
            start = check.date("结对日期", self.today, required=True)
            end = check.date("解除日期", self.today)
            reason = check.get("解除原因")
            self.household_ref(check, household)
            self.cadre_ref(check, cadre)
            if start and end and end <= start:
                check.fail("解除日期", f"解除日期应晚于结对日期（{start:%Y-%m-%d}）")
            if reason and not check.has("解除日期"):
                check.fail("解除原因", "只有填写了解除日期才填写解除原因")
            pair = (household, cadre)
            if household and cadre and start:
                if (household, cadre, start) in first:
                    check.fail("结对日期", f"与本表第 {first[(household, cadre, start)]} 行是同一个结对（户编号、干部编号、结对日期都相同）")
                first.setdefault((household, cadre, start), check.raw.excel_row)
                period = (start, end if not (end and end <= start) else None)
                for other_start, other_end, row in self.pairings[pair]:
                    if other_start != start and _overlaps(period, (other_start, other_end)):
                        check.fail("结对日期", f"与本表第 {row} 行同一户、同一干部的结对时间重叠")
                        break
                for other in self.stored.pairings.get(pair, []):
                    if other[0] != start and _overlaps(period, other):
                        until = f"至 {other[1]:%Y-%m-%d}" if other[1] else "至今"
                        check.fail("结对日期", f"与已有的结对（{other[0]:%Y-%m-%d} {until}）时间重叠")
                        break
            attrs = {"start_date": start, "end_date": end}
            if "解除原因" in present:
                attrs["end_reason"] = reason
            if self.keep(check, attrs, household=household, cadre=cadre):
                self.pairings[pair].append((start, end, check.raw.excel_row))
            elif household and cadre and start:
                self.rejected_pairings[pair].append((start, end, check.raw.excel_row))

    def _active_pair(self, household: str, cadre: str, day: dt.date) -> bool:
        stored = [(s, e) for s, e in self.stored.pairings.get((household, cadre), [])]
        book = [(s, e) for s, e, _ in self.pairings.get((household, cadre), [])]
        replaced = {s for s, _ in book}
        periods = book + [(s, e) for s, e in stored if s not in replaced]
        return any(s <= day and (e is None or day < e) for s, e in periods)

    def contacts(self) -> None:
        first_no: dict[str, int] = {}
        first_key: dict[tuple, int] = {}
        for check in self.rows(CONTACTS):
            household = check.get("户编号", lambda v: p.parse_key(v, "户编号"), required=True)
            cadre = check.get("干部编号", lambda v: p.parse_key(v, "干部编号"), required=True)
            day = check.date("日期", self.today, required=True)
            method = check.get("方式", lambda v: p.parse_choice(v, METHODS, "方式"), required=True)
            content = check.get("内容")
            gift = check.get("慰问金额", p.parse_money)
            record_no = check.get("记录编号", lambda v: p.parse_key(v, "记录编号"))
            entered = check.get("录入时间", p.parse_datetime)
            if entered is not None:
                if entered.date() > self.today:
                    check.fail("录入时间", "录入时间晚于现在，不能是将来的时间")
                elif day and entered.date() < day:
                    check.fail("录入时间", f"录入时间早于联系日期（{day:%Y-%m-%d}）：记录不能在联系之前录入")
            self.household_ref(check, household)
            self.cadre_ref(check, cadre)
            if record_no:
                if record_no in first_no:
                    check.fail("记录编号", f"与本表第 {first_no[record_no]} 行的记录编号重复")
                first_no.setdefault(record_no, check.raw.excel_row)
            elif household and cadre and day and method:
                key = (household, cadre, day, method, content)
                if key in first_key:
                    check.fail("内容", f"与本表第 {first_key[key]} 行是同一条联系记录（户编号、干部编号、日期、方式、内容都相同）；"
                                     "如确是两次联系，请填写不同的记录编号", value=content or "")
                first_key.setdefault(key, check.raw.excel_row)
            if check.ok and household and cadre and day and not self._active_pair(household, cadre, day):
                blocked = [row for s, e, row in self.rejected_pairings.get((household, cadre), [])
                           if s <= day and (e is None or day < e)]
                if blocked:
                    check.fail("日期", f"该联系所在的结对行有错误（结对表第 {blocked[0]} 行），本行随之不能导入", value=day)
                else:
                    check.fail("日期", f"户编号 {household} 与干部编号 {cadre} 在 {day:%Y-%m-%d} 没有有效的结对关系", value=day)
            attrs = {"contact_date": day, "method": method, "content": content, "gift_yuan": gift, "record_no": record_no}
            self.keep(check, attrs, household=household, cadre=cadre, entered_at=entered)

    def needs(self) -> None:
        first: dict[str, int] = {}
        for check in self.rows(NEEDS):
            code = check.get("诉求编号", lambda v: p.parse_key(v, "诉求编号"), required=True)
            household = check.get("户编号", lambda v: p.parse_key(v, "户编号"), required=True)
            raised = check.date("提出日期", self.today, required=True)
            category = check.get("类别", lambda v: p.parse_choice(v, NEED_CATEGORIES, "类别"), required=True)
            content = check.get("内容", required=True)
            level = check.get("责任层级", lambda v: p.parse_choice(v, ESCALATION_LEVELS, "责任层级")) or LEVEL_CADRE
            due = check.date("办理期限", self.today, future_ok=True)
            status = check.get("状态", lambda v: p.parse_choice(v, NEED_STATUSES, "状态")) or NEED_OPEN
            closed = check.date("办结日期", self.today)
            note = check.get("办结情况")
            self.household_ref(check, household)
            if code:
                if code in first:
                    check.fail("诉求编号", f"与本表第 {first[code]} 行的诉求编号重复")
                first.setdefault(code, check.raw.excel_row)
            if raised and due and due < raised:
                check.fail("办理期限", f"办理期限早于提出日期（{raised:%Y-%m-%d}）")
            if status == NEED_CLOSED:
                if closed is None and not check.has("办结日期"):
                    check.fail("办结日期", "状态为“已办结”时必须填写办结日期")
                if note is None:
                    check.fail("办结情况", "状态为“已办结”时必须填写办结情况")
            else:
                for column in ("办结日期", "办结情况"):
                    if check.has(column):
                        check.fail(column, "只有状态为“已办结”时才填写该列")
            if raised and closed and closed < raised:
                check.fail("办结日期", f"办结日期早于提出日期（{raised:%Y-%m-%d}）")
            attrs = {"code": code, "raised_date": raised, "category": category, "content": content, "level": level,
                     "due_date": due, "status": status, "closed_date": closed, "closure_note": note}
            self.keep(check, attrs, household=household, due_given=due is not None)

    def policy_deliveries(self) -> None:
        first: dict[tuple[str, str], int] = {}
        present = self.present.get(POLICY, frozenset())
        known = sorted({name for names in ENTITLED_POLICIES.values() for name in names})
        for check in self.rows(POLICY):
            parsed = check.get("身份证号", p.parse_id_number, required=True)
            number = parsed[0] if parsed else None
            policy = check.get("政策", lambda v: POLICY_ALIASES.get(p.compact(v), p.compact(v)), required=True)
            status = check.get("落实状态", lambda v: p.parse_choice(v, POLICY_STATUSES, "落实状态"), required=True)
            day = check.date("落实日期", self.today)
            note = check.get("说明")
            group = None
            if number:
                group = self._person_group(check, number)
            if policy:
                if policy not in known:
                    check.fail("政策", f"“{policy}”不是规定的政策名称（{'、'.join(known)}）")
                elif group and policy not in ENTITLED_POLICIES[group]:
                    check.fail("政策", f"“{policy}”不是{group}的应享政策（{group}应享：{'、'.join(ENTITLED_POLICIES[group])}）")
            if status == POLICY_DELIVERED:
                if day is None and not check.has("落实日期"):
                    check.fail("落实日期", "落实状态为“已落实”时必须填写落实日期")
            elif status and check.has("落实日期"):
                check.fail("落实日期", "只有落实状态为“已落实”时才填写落实日期")
            if status == POLICY_NOT_APPLICABLE and note is None:
                check.fail("说明", "落实状态为“不适用”时必须在说明中写明原因（如已享受同类政策）")
            if number and policy:
                if (number, policy) in first:
                    check.fail("政策", f"与本表第 {first[(number, policy)]} 行是同一人的同一项政策")
                first.setdefault((number, policy), check.raw.excel_row)
            attrs = {"policy": policy, "status": status, "delivered": status == POLICY_DELIVERED,
                     "delivered_date": day if status == POLICY_DELIVERED else None}
            if "说明" in present:
                attrs["note"] = note
            self.keep(check, attrs, person=number)

    def _person_group(self, check: RowCheck, number: str) -> str | None:
        """The person's group, from a valid 对象 row or the stored person; a row error otherwise."""
        if number in self.book_persons:
            return self.book_persons[number]
        stored = self.stored.person_facts.get(number, [])
        if len(stored) == 1:
            group, village = stored[0]
            if not self.scope.contains(village):
                check.fail("身份证号", "该对象属于您管理范围以外的地区")
                return None
            return group
        if len(stored) > 1:
            check.fail("身份证号", f"已有数据中该身份证号有 {len(stored)} 条记录（身份重复），无法确定是哪一人，请先在“数据核查”中处理")
        elif number in self.rejected_persons:
            check.fail("身份证号", f"该身份证号的对象行有错误（对象表第 {self.rejected_persons[number]} 行），本行随之不能导入")
        else:
            check.fail("身份证号", "该身份证号在“对象”表和已有数据中都找不到")
        return None

    def _periods(self, household: str, cadre: str) -> list[tuple[dt.date, dt.date | None]]:
        """The pair's pairing periods as they will be after this import."""
        book = [(s, e) for s, e, _ in self.pairings.get((household, cadre), [])]
        replaced = {s for s, _ in book}
        return book + [(s, e) for s, e in self.stored.pairings.get((household, cadre), []) if s not in replaced]

    def _cadre_on(self, household: str, day: dt.date) -> str | None:
        """The cadre of the household's pairing active on `day` (the latest started)."""
        cadres = {c for h, c in self.pairings if h == household} | {c for h, c in self.stored.pairings if h == household}
        best: tuple[dt.date, str] | None = None
        for cadre in cadres:
            for start, end in self._periods(household, cadre):
                if start <= day and (end is None or day < end) and (best is None or start > best[0]):
                    best = (start, cadre)
        return best[1] if best else None

    def return_visits(self) -> None:
        first_code: dict[str, int] = {}
        first_key: dict[tuple, int] = {}
        present = self.present.get(RETURN_VISITS, frozenset())
        for check in self.rows(RETURN_VISITS):
            code = check.get("回访编号", lambda v: p.parse_key(v, "回访编号"))
            household = check.get("户编号", lambda v: p.parse_key(v, "户编号"), required=True)
            cadre = check.get("干部编号", lambda v: p.parse_key(v, "干部编号"))
            day = check.date("回访日期", self.today, required=True)
            method = check.get("回访方式", lambda v: p.parse_choice(v, RETURN_VISIT_METHODS, "回访方式"), required=True)
            visitor = check.get("回访人")
            level = check.get("满意度", lambda v: p.parse_choice(v, SATISFACTION_LEVELS, "满意度"), required=True)
            came = check.get("干部是否上门", lambda v: p.parse_choice(v, CADRE_CAME_ANSWERS, "干部是否上门"))
            note = check.get("说明")
            self.household_ref(check, household)
            if cadre:
                self.cadre_ref(check, cadre)
            if code:
                if code in first_code:
                    check.fail("回访编号", f"与本表第 {first_code[code]} 行的回访编号重复")
                first_code.setdefault(code, check.raw.excel_row)
            elif household and day and method:
                key = (household, day, method)
                if key in first_key:
                    check.fail("回访方式", f"与本表第 {first_key[key]} 行是同一次回访（户编号、回访日期、回访方式都相同）；"
                                       "如确是两次回访，请填写不同的回访编号")
                first_key.setdefault(key, check.raw.excel_row)
            if check.ok and household and day:
                if cadre is None:
                    cadre = self._cadre_on(household, day)
                    if cadre is None:
                        check.fail("回访日期", f"户编号 {household} 在 {day:%Y-%m-%d} 没有有效的结对，无法确定回访的是哪位干部："
                                            "请填写干部编号", value=day)
                elif not any(start <= day for start, _ in self._periods(household, cadre)):
                    check.fail("干部编号", f"干部编号 {cadre} 与户编号 {household} 在回访日期 {day:%Y-%m-%d} 之前没有结对关系")
            attrs = {"code": code, "survey_date": day, "method": method, "level": level}
            for column, key, value in (("回访人", "visitor", visitor), ("干部是否上门", "cadre_came", came), ("说明", "note", note)):
                if column in present:
                    attrs[key] = value
            self.keep(check, attrs, household=household, cadre=cadre)

    def run(self) -> Checked:
        self.regions()
        self.persons()
        self.cadres_sheet()
        self.pairings_sheet()
        self.contacts()
        self.needs()
        self.policy_deliveries()
        self.return_visits()
        new_regions = {code: name for code, (name, _) in self.new_regions.items()}
        return Checked(self.book, self.valid, self.rejected, self.problems, new_regions, self.present)


def validate(session: Session, book: RawBook, scope: Scope, today: dt.date) -> Checked:
    return Validator(session, book, scope, today).run()
