"""Values as people type them: dates, ID numbers, phones, codes, money, yes/no, fixed vocabularies.

Each parser takes a cell value (str, int, float, datetime, date or None) and returns the clean value
or raises `ValueProblem` with a Chinese sentence saying what is wrong. Nothing is guessed: a bare
Excel serial number or 明天 in a date column is an error, not a date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message is shown to the user as it is."""


def half_width(text: str) -> str:
    """Full-width digits, letters, punctuation and spaces → their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def header_key(text: object) -> str:
    """A header cell as a column name: full-width → half-width, every space removed, a trailing
    required-marker (*, （必填）) dropped."""
    if text is None:
        return ""
    key = re.sub(r"\s+", "", half_width(str(text)))
    return re.sub(r"(\*|\(必填\))$", "", key)


def text(value: object) -> str | None:
    """The cell as text with surrounding spaces removed; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    result = str(value).replace("\u3000", " ").strip()
    return result or None


def compact(value: object) -> str | None:
    """Text in half-width form with all spaces removed (for codes, numbers, phones)."""
    result = text(value)
    return re.sub(r"\s+", "", half_width(result)) if result else None


# ---- dates -------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and not value.is_integer():
        raise ValueProblem("日期不能是带小数的数字，请填写如 2023-05-03 的日期")
    raw = text(value)
    if raw is None:
        raise ValueProblem("日期为空")
    cleaned = re.sub(r"\s+", "", half_width(raw)) if "年" in raw else half_width(raw).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise ValueProblem(f"日期“{raw}”不存在（{year}年{month}月{day}日）") from None
    if re.fullmatch(r"\d{1,6}", cleaned):
        raise ValueProblem(f"“{raw}”像是 Excel 的日期序号，不能确定是哪一天，请填写如 2023-05-03 的日期")
    raise ValueProblem(f"无法识别的日期“{raw}”，请填写如 2023-05-03 的日期")


_TIME_PART = re.compile(r"^(.*?\d)[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")


def parse_datetime(value: object) -> dt.datetime:
    """A date, or a date and time (`2023-05-03 14:30`, `2023/5/3 14:30:05`, an Excel date-time cell
    whose time is kept); a date alone is that day at 00:00."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raw = text(value)
    if raw is None:
        raise ValueProblem("时间为空")
    match = _TIME_PART.match(half_width(raw).strip())
    if match is None:
        return dt.datetime.combine(parse_date(value), dt.time())
    day = parse_date(match.group(1))
    hour, minute, second = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueProblem(f"时间“{raw}”不存在，请填写如 2023-05-03 14:30 的时间")
    return dt.datetime.combine(day, dt.time(hour, minute, second))


# ---- ID numbers (GB 11643) ---------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_digit(first17: str) -> str:
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse_id_number(value: object) -> tuple[str, dt.date, str]:
    """(ID number with upper-case X, birth date, sex) or a problem."""
    if isinstance(value, float):
        raise ValueProblem("身份证号被 Excel 存成了数字，末尾几位已丢失；请把该列设为“文本”后重新录入")
    raw = compact(value)
    if raw is None:
        raise ValueProblem("身份证号为空")
    number = raw.upper()
    if len(number) == 15 and number.isdigit():
        raise ValueProblem("身份证号是 15 位旧号码，请填写 18 位号码")
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValueProblem(f"身份证号应为 18 位（前 17 位为数字，末位为数字或 X），现为 {len(number)} 位")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueProblem(f"身份证号中的出生日期 {number[6:14]} 不存在") from None
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise ValueProblem(f"身份证号校验位不对（按前 17 位应为 {expected}），请核对是否录错")
    sex = "男" if int(number[16]) % 2 else "女"
    return number, birth, sex


# ---- phones, codes, money, choices -------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_FIXED = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def parse_phone(value: object) -> str:
    raw = compact(value)
    if raw is None:
        raise ValueProblem("电话为空")
    if _MOBILE.match(raw) or _FIXED.match(raw):
        return raw
    raise ValueProblem(f"电话“{raw}”格式不对：手机为 13–19 开头的 11 位数字，固定电话为 0 开头的区号加 7–8 位号码")


def parse_region_code(value: object, lengths: tuple[int, ...]) -> str:
    raw = compact(value)
    if raw is None:
        raise ValueProblem("区划代码为空")
    if not raw.isdigit() or len(raw) not in lengths:
        wanted = " 或 ".join(f"{n} 位" for n in lengths)
        raise ValueProblem(f"区划代码“{raw}”应为 {wanted}数字")
    return raw


def parse_key(value: object, label: str) -> str:
    """A natural key typed by an office (户编号, 干部编号 …): half-width, no spaces."""
    raw = compact(value)
    if raw is None:
        raise ValueProblem(f"{label}为空")
    if len(raw) > 40:
        raise ValueProblem(f"{label}过长（最多 40 个字符）")
    return raw


def parse_money(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueProblem("金额应为数字")
    if isinstance(value, int | float):
        amount = Decimal(str(value))
    else:
        raw = compact(value) or ""
        raw = raw.replace(",", "").removesuffix("元")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValueProblem(f"金额“{text(value)}”不是数字") from None
    if not amount.is_finite():
        raise ValueProblem("金额不是有效数字")
    if amount < 0:
        raise ValueProblem("金额不能为负数")
    if amount >= Decimal("1e10"):
        raise ValueProblem("金额过大")
    return amount.quantize(Decimal("0.01"))


def parse_choice(value: object, choices: tuple[str, ...], label: str) -> str:
    raw = text(value)
    cleaned = re.sub(r"\s+", "", half_width(raw)) if raw else raw
    if cleaned in choices:
        return cleaned
    raise ValueProblem(f"{label}“{raw}”不在可选范围内（{'、'.join(choices)}）")


def parse_yes_no(value: object, label: str) -> bool:
    return parse_choice(value, ("是", "否"), label) == "是"


def parse_sex(value: object) -> str:
    return parse_choice(value, ("男", "女"), "性别")
