"""Reading an exchange workbook into plain rows: an .xlsx (saved values of formulas, via openpyxl),
a single .csv named after a sheet, or a folder / .zip of such .csv files in UTF-8 or GB18030.

Headers are normalised (spaces and full-width forms), the header row may sit below a title row,
blank rows are skipped, unknown sheets are set aside, and each row keeps its Excel row number and
its cells as they were (for the rejects workbook). File-level failures raise `ImportFileError`.

Everything is bounded by what is actually read, never by what a header claims (`Limits`, from the
settings): zip members and the workbook's XML are decompressed as streams in small chunks with a
running count of the bytes unpacked, each sheet may have at most `max_rows` rows and `MAX_COLUMNS`
columns, and the process's memory may grow by at most `max_memory` while a workbook is read. Any
limit passed refuses the file with a Chinese message naming the limit.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import hashlib
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from data_access.config import get_settings
from data_access.imports.parsing import header_key
from data_access.imports.schema import ALIASES, BY_NAME

HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 200  # columns read per sheet; the format has about twenty
_CHUNK = 64 * 1024  # bytes decompressed per read: a zip member's header cannot make one read huge
_MEMORY_CHECK_BYTES = 4 * 1024 * 1024  # look at the process's memory every this many bytes unpacked
_MEMORY_CHECK_ROWS = 5_000  # … and every this many rows
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell: a longer cell is not from a spreadsheet
MAX_RATIO = 100  # unpacked ÷ packed: real workbooks pack 5–20 times; bombs hundreds to thousands
_RATIO_AFTER = 4 * 1024 * 1024  # the ratio is judged once this much has been unpacked


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Limits:
    max_rows: int = 100_000  # rows per sheet (blank ones too)
    max_unpacked: int = 256 * 1024 * 1024  # bytes unpacked from the archive, counted as read
    max_memory: int = 512 * 1024 * 1024  # growth of the process's resident memory while reading

    @classmethod
    def from_settings(cls) -> Limits:
        settings = get_settings()
        return cls(settings.import_max_rows, settings.import_max_unpacked_mb * 1024 * 1024,
                   settings.import_max_memory_mb * 1024 * 1024)


def _resident_bytes() -> int | None:
    """The process's resident memory now (Linux); None elsewhere, where the check is skipped."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class _Budget:
    """The running counts of one read against its limits."""

    def __init__(self, file_name: str, limits: Limits, packed: int | None = None):
        self.file_name, self.limits, self.packed = file_name, limits, packed
        self.unpacked = 0
        self._next_memory_check = _MEMORY_CHECK_BYTES
        self._baseline = _resident_bytes()

    def add_bytes(self, count: int) -> None:
        self.unpacked += count
        if self.unpacked > self.limits.max_unpacked:
            raise ImportFileError(
                f"“{self.file_name}”解压后的内容超过了 {self.limits.max_unpacked // (1024 * 1024)} MB 的上限，"
                "不像是正常的数据文件；请检查文件，或按乡镇分成几个文件分别导入")
        if self.packed and self.unpacked > _RATIO_AFTER and self.unpacked > MAX_RATIO * self.packed:
            raise ImportFileError(
                f"“{self.file_name}”解压后超过压缩文件的 {MAX_RATIO} 倍（上限），不像是正常的数据文件"
                "（可能是“压缩炸弹”）；请检查文件来源，或直接上传未压缩的 .xlsx / .csv")
        if self.unpacked >= self._next_memory_check:
            self._next_memory_check += _MEMORY_CHECK_BYTES
            self.check_memory()

    def check_memory(self) -> None:
        now = _resident_bytes()
        if self._baseline is not None and now is not None and now - self._baseline > self.limits.max_memory:
            raise ImportFileError(
                f"读取“{self.file_name}”所需内存超过了 {self.limits.max_memory // (1024 * 1024)} MB 的上限；"
                "请按乡镇分成几个较小的文件分别导入")


class _Counted(io.RawIOBase):
    """A binary stream read in small chunks, each counted against the budget."""

    def __init__(self, inner, budget: _Budget):
        self.inner, self.budget = inner, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.inner.read(min(len(buffer), _CHUNK))
        self.budget.add_bytes(len(data))
        buffer[: len(data)] = data
        return len(data)


def _counted(inner, budget: _Budget) -> io.BufferedReader:
    return io.BufferedReader(_Counted(inner, budget), _CHUNK)


def _read_member(archive: zipfile.ZipFile, name: str, budget: _Budget) -> bytes:
    with archive.open(name) as handle:
        return _counted(handle, budget).read()


@dataclass
class RawRow:
    excel_row: int
    values: dict[str, object]  # column name (normalised) → cell value
    cells: tuple[object, ...]  # the row as it was, in the sheet's column order
    unsaved_formulas: tuple[str, ...] = ()  # columns holding a formula with no saved value


@dataclass
class RawSheet:
    name: str  # the format's sheet name
    header_row: int  # 0 when the sheet has no header at all
    headers: tuple[str, ...]  # header cells as they were
    columns: tuple[str, ...]  # header cells normalised
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class RawBook:
    file_name: str
    sha256: str
    sheets: dict[str, RawSheet]
    ignored: tuple[str, ...]  # sheet / file names that are not part of the format


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_name(raw: str) -> str | None:
    key = header_key(raw)
    return key if key in BY_NAME else None


def _column_name(cell: object) -> str:
    key = header_key(cell)
    return ALIASES.get(key, key)


def _bounded(name: str, rows: Iterable[tuple[int, tuple, tuple[int, ...]]],
             budget: _Budget) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    """The rows, refused past the row and column limits; memory looked at as they come."""
    for count, item in enumerate(rows, start=1):
        if count > budget.limits.max_rows:
            raise ImportFileError(
                f"工作表“{name}”超过了每个工作表 {budget.limits.max_rows} 行的上限；请按乡镇分成几个文件分别导入")
        for position, value in enumerate(item[1]):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise ImportFileError(
                    f"工作表“{name}”第 {item[0]} 行第 {position + 1} 列有 {len(value)} 个字符，超过了单元格 "
                    f"{MAX_CELL_CHARS} 个字符的上限；请检查该单元格")
        if len(item[1]) > MAX_COLUMNS:
            if any(not _blank(v) for v in item[1][MAX_COLUMNS:]):
                raise ImportFileError(
                    f"工作表“{name}”第 {item[0]} 行在第 {MAX_COLUMNS} 列之后还有内容，超过了 {MAX_COLUMNS} 列的上限；"
                    "请删除表格右侧多余的内容")
            item = (item[0], item[1][:MAX_COLUMNS], item[2])
        if count % _MEMORY_CHECK_ROWS == 0:
            budget.check_memory()
        yield item


def _build_sheet(name: str, rows: Iterable[tuple[int, tuple, tuple[int, ...]]], budget: _Budget) -> RawSheet:
    """`rows`: (excel row number, cells, indexes of cells with unsaved formulas)."""
    spec = BY_NAME[name]
    known = set(spec.columns)
    iterator = _bounded(name, rows, budget)
    candidates: list[tuple[int, tuple, tuple[int, ...]]] = []
    for item in iterator:
        if all(_blank(v) for v in item[1]):
            continue
        candidates.append(item)
        if len(candidates) >= HEADER_SEARCH_ROWS:
            break
    if not candidates:
        return RawSheet(name, 0, (), ())
    scores = [sum(_column_name(v) in known for v in cells) for _, cells, _ in candidates]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i)) if max(scores) else 0
    header_row, header_cells, _ = candidates[best]
    headers = tuple("" if v is None else str(v) for v in header_cells)
    columns = tuple(_column_name(v) for v in header_cells)
    index: dict[str, int] = {}
    for position, column in enumerate(columns):
        if column and column not in index:
            index[column] = position
    sheet = RawSheet(name, header_row, headers, columns)

    def add(excel_row: int, cells: tuple, formulas: tuple[int, ...]) -> None:
        if all(_blank(v) for v in cells):
            return
        values = {column: (cells[i] if i < len(cells) else None) for column, i in index.items()}
        unsaved = tuple(column for column, i in index.items() if i in formulas)
        sheet.rows.append(RawRow(excel_row, values, tuple(cells), unsaved))

    for excel_row, cells, formulas in candidates[best + 1:]:
        add(excel_row, cells, formulas)
    for excel_row, cells, formulas in iterator:
        add(excel_row, cells, formulas)
    return sheet


# ---- xlsx ----------------------------------------------------------------------------------------

def _has_formulas(archive: zipfile.ZipFile, budget: _Budget) -> bool:
    for info in archive.infolist():
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            with archive.open(info) as handle:
                stream, tail = _counted(handle, budget), b""
                while chunk := stream.read(_CHUNK):
                    if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                        return True
                    tail = chunk[-3:]
    return False


def _trim(cells: tuple) -> tuple:
    """openpyxl pads every row to max_col: cut the padding (as the fast reader has none)."""
    width = len(cells)
    while width and cells[width - 1] is None:
        width -= 1
    return cells[:width]


def _xlsx_rows(values_ws, formulas_ws) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    value_rows = values_ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    if formulas_ws is None:
        for number, cells in enumerate(value_rows, start=1):
            yield number, _trim(cells), ()
        return
    formula_rows = formulas_ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
    for number, cells in enumerate(value_rows, start=1):
        source = next(formula_rows, ())
        unsaved = tuple(
            i for i, raw in enumerate(source)
            if i < len(cells) and cells[i] is None and raw is not None
            and (not isinstance(raw, str) or raw.startswith("="))
        )
        yield number, _trim(cells), unsaved


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Built-in number formats that are dates: the international ones, and the CJK ones (27–36, 50–58).
_DATE_FORMAT_IDS = {i for i, f in BUILTIN_FORMATS.items() if is_date_format(f)} | set(range(27, 37)) | set(range(50, 59))


def _column_index(reference: str) -> int:
    index = 0
    for char in reference[:4]:  # XFD is the last column Excel has
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


def _shared_strings(archive: zipfile.ZipFile, budget: _Budget) -> list[str]:
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _, element in ElementTree.iterparse(_counted(handle, budget)):
            if element.tag == _MAIN + "si":
                parts = [child.text or "" for child in element if child.tag == _MAIN + "t"]
                parts += [t.text or "" for run in element if run.tag == _MAIN + "r" for t in run if t.tag == _MAIN + "t"]
                strings.append("".join(parts))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, budget: _Budget) -> set[int]:
    """Indexes of the cell formats (the `s` of a cell) that show a number as a date."""
    root = ElementTree.fromstring(_read_member(archive, "xl/styles.xml", budget))
    custom = {int(f.get("numFmtId")): f.get("formatCode") or "" for f in root.iter(_MAIN + "numFmt")}
    cell_xfs = root.find(_MAIN + "cellXfs")
    dates: set[int] = set()
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
        number_format = int(xf.get("numFmtId") or 0)
        if number_format in custom:
            if is_date_format(custom[number_format]):
                dates.add(index)
        elif number_format in _DATE_FORMAT_IDS:
            dates.add(index)
    return dates


def _sheet_rows(handle, strings: list[str], dates: set[int], epoch,
                name: str) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    """The saved values of a worksheet's cells, row by row (a formula without a saved value is None
    and its index is reported). Content right of MAX_COLUMNS refuses the file."""
    expected_row = 0
    for _, row in ElementTree.iterparse(handle):
        if row.tag != _MAIN + "row":
            continue
        expected_row = int(row.get("r") or expected_row + 1)
        values: dict[int, object] = {}
        unsaved: list[int] = []
        column = -1
        for cell in row:
            if cell.tag != _MAIN + "c":
                continue
            reference = cell.get("r")
            column = _column_index(reference) if reference else column + 1
            kind = cell.get("t", "n")
            v = cell.find(_MAIN + "v")
            text = v.text if v is not None else None
            if column >= MAX_COLUMNS:
                if text is not None or kind == "inlineStr":
                    raise ImportFileError(
                        f"工作表“{name}”第 {expected_row} 行在第 {MAX_COLUMNS} 列之后还有内容，超过了 {MAX_COLUMNS} 列的上限；"
                        "请删除表格右侧多余的内容")
                continue
            if kind == "inlineStr":
                values[column] = "".join(t.text or "" for t in cell.iter(_MAIN + "t"))
                continue
            if text is None:
                if cell.find(_MAIN + "f") is not None:
                    unsaved.append(column)
                continue
            if kind == "s":
                values[column] = strings[int(text)]
            elif kind in ("str", "e"):
                values[column] = text
            elif kind == "b":
                values[column] = text == "1"
            elif kind == "d":
                values[column] = dt.datetime.fromisoformat(text)
            else:
                number = float(text) if any(c in text for c in ".eE") else int(text)
                if int(cell.get("s") or 0) in dates:
                    # 20230503 typed in a date-formatted cell stays a number; parse_date reads it as typed
                    with contextlib.suppress(OverflowError, ValueError):
                        number = from_excel(number, epoch)
                values[column] = number
        row.clear()
        width = max(values, default=-1) + 1
        yield expected_row, tuple(values.get(i) for i in range(width)), tuple(unsaved)


def _duplicate_sheet(name: str, first: str, second: str) -> ImportFileError:
    return ImportFileError(f"工作表“{first}”和“{second}”都对应“{name}”表，无法确定导入哪一个；请删除或改名其中一个后再导入")


def _read_xlsx_fast(archive: zipfile.ZipFile, budget: _Budget) -> tuple[dict[str, RawSheet], list[str]]:
    """The workbook's XML read directly (several times faster than openpyxl on 30 thousand rows)."""
    names = set(archive.namelist())
    workbook = ElementTree.fromstring(_read_member(archive, "xl/workbook.xml", budget))
    properties = workbook.find(_MAIN + "workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    relations = ElementTree.fromstring(_read_member(archive, "xl/_rels/workbook.xml.rels", budget))
    targets = {r.get("Id"): r.get("Target") for r in relations}
    strings = _shared_strings(archive, budget) if "xl/sharedStrings.xml" in names else []
    dates = _date_styles(archive, budget) if "xl/styles.xml" in names else set()
    sheets: dict[str, RawSheet] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    for element in workbook.iter(_MAIN + "sheet"):
        title = element.get("name") or ""
        name = _sheet_name(title)
        if name is None:
            ignored.append(title)
            continue
        if name in titles:
            raise _duplicate_sheet(name, titles[name], title)
        titles[name] = title
        target = targets[element.get(_RELS + "id")]
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        with archive.open(member) as handle:
            try:
                sheets[name] = _build_sheet(name, _sheet_rows(_counted(handle, budget), strings, dates, epoch, name),
                                            budget)
            except ElementTree.ParseError as exc:
                line, column = exc.position
                raise ImportFileError(
                    f"工作表“{title}”的内容已损坏（第 {line} 行第 {column} 个字符处格式错误），无法读取；"
                    "请在 Excel 中打开该文件，另存为 .xlsx 后再导入") from exc
    return sheets, ignored


def _read_xlsx(data: bytes, budget: _Budget) -> tuple[dict[str, RawSheet], list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            has_formulas = _has_formulas(archive, budget)
        values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_wb = load_workbook(io.BytesIO(data), read_only=True) if has_formulas else None
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable workbook"
        raise ImportFileError(f"无法打开该 Excel 文件（{type(exc).__name__}），文件可能已损坏") from exc
    sheets: dict[str, RawSheet] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    try:
        for ws in values_wb.worksheets:
            name = _sheet_name(ws.title)
            if name is None:
                ignored.append(ws.title)
                continue
            if name in titles:
                raise _duplicate_sheet(name, titles[name], ws.title)
            titles[name] = ws.title
            ws.reset_dimensions()
            fws = None
            if formulas_wb is not None:
                fws = formulas_wb[ws.title]
                fws.reset_dimensions()
            sheets[name] = _build_sheet(name, _xlsx_rows(ws, fws), budget)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet openpyxl cannot parse either
        raise ImportFileError(f"无法读取该 Excel 文件中的工作表（{type(exc).__name__}），文件可能已损坏；"
                              "请在 Excel 中打开该文件，另存为 .xlsx 后再导入") from exc
    finally:
        values_wb.close()
        if formulas_wb is not None:
            formulas_wb.close()
    return sheets, ignored


# ---- csv ---------------------------------------------------------------------------------------

_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def _csv_rows(reader, label: str) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, tuple(cells), ()
    except csv.Error as exc:
        why = (f"有单元格超过 {csv.field_size_limit()} 个字符" if "field larger" in str(exc)
               else "格式错误（例如引号不成对）")
        raise ImportFileError(f"CSV 文件“{label}”第 {number + 1} 行无法读取：{why}；请检查该行后再导入") from exc


def _csv_sheet(name: str, open_stream: Callable[[], BinaryIO], label: str, budget: _Budget) -> RawSheet:
    """A sheet from a CSV read as a stream: UTF-8 first, GB18030 when it is not UTF-8."""
    start = budget.unpacked
    for encoding in _CSV_ENCODINGS:
        budget.unpacked = start  # a second reading of the same file is not counted twice
        try:
            with open_stream() as raw:
                text = io.TextIOWrapper(_counted(raw, budget), encoding=encoding, newline="")
                return _build_sheet(name, _csv_rows(csv.reader(text), label), budget)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{label} 的编码无法识别，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it: flagged UTF-8; unflagged names are UTF-8 from
    Info-ZIP (Linux `zip`), or GBK from Windows' own zip; else as zipfile decoded it."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


Opener = Callable[[], BinaryIO]


def _read_csv_files(files: Iterable[tuple[str, Opener | None]],
                    budget: _Budget) -> tuple[dict[str, RawSheet], list[str]]:
    """`files`: (file name, a function opening its contents); None for files that are not CSV."""
    sheets: dict[str, RawSheet] = {}
    titles: dict[str, str] = {}
    ignored: list[str] = []
    for file_name, opener in files:
        path = PurePosixPath(file_name)
        name = _sheet_name(path.stem) if path.suffix.lower() == ".csv" else None
        if name is None or opener is None:
            ignored.append(path.name)
            continue
        if name in titles:
            raise _duplicate_sheet(name, titles[name], path.name)
        titles[name] = path.name
        sheets[name] = _csv_sheet(name, opener, path.name, budget)
    return sheets, ignored


def _zip_files(archive: zipfile.ZipFile) -> Iterator[tuple[str, Opener | None]]:
    for info in archive.infolist():
        if info.is_dir() or "__MACOSX" in info.filename:
            continue
        name = _zip_member_name(info)
        yield name, functools.partial(archive.open, info) if name.lower().endswith(".csv") else None


# ---- entry points ------------------------------------------------------------------------------

def check_size(size: int, limit_mb: int | None) -> None:
    if limit_mb is not None and size > limit_mb * 1024 * 1024:
        raise ImportFileError(f"文件有 {size / 1024 / 1024:.1f} MB，超过了 {limit_mb} MB 的上限；请按乡镇分成几个文件分别导入")


def _read_zip(data: bytes, file_name: str, budget: _Budget) -> tuple[dict[str, RawSheet], list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            claimed = sum(info.file_size for info in archive.infolist())
            if claimed > budget.limits.max_unpacked:  # an honest header: refused before unpacking
                budget.add_bytes(claimed)
            if "xl/workbook.xml" not in archive.namelist():
                return _read_csv_files(_zip_files(archive), budget)
            try:
                return _read_xlsx_fast(archive, budget)
            except (ImportFileError, zipfile.BadZipFile, zlib.error, EOFError):
                raise
            except Exception:  # noqa: BLE001 - an unusual writer: openpyxl reads what it can
                pass
        return _read_xlsx(data, _Budget(file_name, budget.limits, budget.packed))
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):  # a member unpacks to other bytes than its header says: a lying header
            raise ImportFileError(f"“{file_name}”已损坏（文件中记录的大小或校验码与内容不符），无法打开") from exc
        raise ImportFileError(f"“{file_name}”已损坏，无法打开") from exc
    except (zlib.error, EOFError) as exc:
        raise ImportFileError(f"“{file_name}”已损坏（压缩数据不完整），无法打开") from exc
    except RuntimeError as exc:  # zipfile: an encrypted member
        raise ImportFileError(f"“{file_name}”设置了密码，请去掉密码后再导入") from exc
    except NotImplementedError as exc:  # zipfile: a compression method it does not know
        raise ImportFileError(f"“{file_name}”的压缩方式无法识别，请用常见的 zip 格式重新压缩") from exc


def read_bytes(data: bytes, file_name: str, limit_mb: int | None = None, limits: Limits | None = None) -> RawBook:
    """An uploaded file: .xlsx, a single .csv named after a sheet, or a .zip of .csv files."""
    check_size(len(data), limit_mb)
    budget = _Budget(file_name, limits or Limits.from_settings(), packed=len(data) if data[:2] == b"PK" else None)
    digest = hashlib.sha256(data).hexdigest()
    lower = file_name.lower()
    if not data:
        raise ImportFileError(f"文件“{file_name}”是空的")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(f"“{file_name}”是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入")
    if data[:2] == b"PK":
        sheets, ignored = _read_zip(data, file_name, budget)
    elif lower.endswith(".csv"):
        sheets, ignored = _read_csv_files([(file_name, lambda: io.BytesIO(data))], budget)
    else:
        raise ImportFileError(f"“{file_name}”不是 Excel 工作簿（.xlsx），也不是 CSV 文件或 CSV 压缩包（.zip）")
    if not sheets:
        expected = "、".join(BY_NAME)
        found = "、".join(ignored) or "无"
        raise ImportFileError(f"“{file_name}”中没有可导入的工作表：工作表（或 CSV 文件）应命名为 {expected}；现有：{found}")
    return RawBook(file_name, digest, sheets, tuple(ignored))


def read_path(path: Path, limit_mb: int | None = None, limits: Limits | None = None) -> RawBook:
    """A file on disk, or a folder of .csv files named after the sheets."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        check_size(sum(p.stat().st_size for p in files), limit_mb)
        budget = _Budget(path.name, limits or Limits.from_settings())
        digest = hashlib.sha256()
        for file in files:
            if file.suffix.lower() == ".csv":
                digest.update(re.sub(r"\s+", "", file.name).encode("utf-8") + b"\0" + file.read_bytes())
        contents = [(p.name, functools.partial(open, p, "rb") if p.suffix.lower() == ".csv" else None) for p in files]
        sheets, ignored = _read_csv_files(contents, budget)
        if not sheets:
            raise ImportFileError(f"文件夹“{path}”中没有以工作表命名的 CSV 文件（如 对象.csv、联系记录.csv）")
        return RawBook(path.name, digest.hexdigest(), sheets, tuple(ignored))
    if not path.exists():
        raise ImportFileError(f"找不到文件“{path}”")
    check_size(path.stat().st_size, limit_mb)
    return read_bytes(path.read_bytes(), path.name, limit_mb, limits)
