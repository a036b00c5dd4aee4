"""Reading an exchange workbook into plain rows: an .xlsx (saved values of formulas, via openpyxl),
a single .csv named after a sheet, or a folder / .zip of such .csv files in UTF-8 or GB18030.

Headers are normalised (spaces and full-width forms), the header row may sit below a title row,
blank rows are skipped, unknown sheets are set aside, and each row keeps its Excel row number and
its cells as they were (for the rejects workbook). File-level failures raise `ImportFileError`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from data_access.imports.parsing import header_key
from data_access.imports.schema import ALIASES, BY_NAME

HEADER_SEARCH_ROWS = 10
UNPACK_FACTOR = 20  # a workbook unpacks to at most this many times the upload limit (no zip bombs)


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


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


def _build_sheet(name: str, rows: Iterable[tuple[int, tuple, tuple[int, ...]]]) -> RawSheet:
    """`rows`: (excel row number, cells, indexes of cells with unsaved formulas)."""
    spec = BY_NAME[name]
    known = set(spec.columns)
    iterator = iter(rows)
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


# ---- xlsx --------------------------------------------------------------------------------------

def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                body = archive.read(info)
                if b"<f>" in body or b"<f " in body:
                    return True
    return False


def _xlsx_rows(values_ws, formulas_ws) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    value_rows = values_ws.iter_rows(values_only=True)
    if formulas_ws is None:
        for number, cells in enumerate(value_rows, start=1):
            yield number, cells, ()
        return
    formula_rows = formulas_ws.iter_rows(values_only=True)
    for number, cells in enumerate(value_rows, start=1):
        source = next(formula_rows, ())
        unsaved = tuple(
            i for i, raw in enumerate(source)
            if i < len(cells) and cells[i] is None and raw is not None
            and (not isinstance(raw, str) or raw.startswith("="))
        )
        yield number, cells, unsaved


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Built-in number formats that are dates: the international ones, and the CJK ones (27–36, 50–58).
_DATE_FORMAT_IDS = {i for i, f in BUILTIN_FORMATS.items() if is_date_format(f)} | set(range(27, 37)) | set(range(50, 59))


def _column_index(reference: str) -> int:
    index = 0
    for char in reference:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _, element in ElementTree.iterparse(handle):
            if element.tag == _MAIN + "si":
                parts = [child.text or "" for child in element if child.tag == _MAIN + "t"]
                parts += [t.text or "" for run in element if run.tag == _MAIN + "r" for t in run if t.tag == _MAIN + "t"]
                strings.append("".join(parts))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (the `s` of a cell) that show a number as a date."""
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
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


def _sheet_rows(handle, strings: list[str], dates: set[int], epoch) -> Iterator[tuple[int, tuple, tuple[int, ...]]]:
    """The saved values of a worksheet's cells, row by row (a formula without a saved value is None
    and its index is reported)."""
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


def _read_xlsx_fast(data: bytes) -> tuple[dict[str, RawSheet], list[str]]:
    """The workbook's XML read directly (several times faster than openpyxl on 30 thousand rows)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        properties = workbook.find(_MAIN + "workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in relations}
        strings = _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
        dates = _date_styles(archive) if "xl/styles.xml" in names else set()
        sheets: dict[str, RawSheet] = {}
        ignored: list[str] = []
        for element in workbook.iter(_MAIN + "sheet"):
            title = element.get("name") or ""
            name = _sheet_name(title)
            if name is None or name in sheets:
                ignored.append(title)
                continue
            target = targets[element.get(_RELS + "id")]
            member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            with archive.open(member) as handle:
                sheets[name] = _build_sheet(name, _sheet_rows(handle, strings, dates, epoch))
    return sheets, ignored


def _read_xlsx(data: bytes) -> tuple[dict[str, RawSheet], list[str]]:
    try:
        values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_wb = load_workbook(io.BytesIO(data), read_only=True) if _has_formulas(data) else None
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not a readable workbook"
        raise ImportFileError(f"无法打开该 Excel 文件（{type(exc).__name__}），文件可能已损坏") from exc
    sheets: dict[str, RawSheet] = {}
    ignored: list[str] = []
    try:
        for ws in values_wb.worksheets:
            name = _sheet_name(ws.title)
            if name is None or name in sheets:
                ignored.append(ws.title)
                continue
            ws.reset_dimensions()
            fws = None
            if formulas_wb is not None:
                fws = formulas_wb[ws.title]
                fws.reset_dimensions()
            sheets[name] = _build_sheet(name, _xlsx_rows(ws, fws))
    finally:
        values_wb.close()
        if formulas_wb is not None:
            formulas_wb.close()
    return sheets, ignored


# ---- csv ---------------------------------------------------------------------------------------

def _decode(data: bytes, label: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{label} 的编码无法识别，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _csv_sheet(name: str, data: bytes, label: str) -> RawSheet:
    reader = csv.reader(io.StringIO(_decode(data, label), newline=""))
    return _build_sheet(name, ((number, tuple(cells), ()) for number, cells in enumerate(reader, start=1)))


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Chinese file names in zips made on Windows are GBK without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _read_csv_files(files: Iterable[tuple[str, bytes | None]]) -> tuple[dict[str, RawSheet], list[str]]:
    """`files`: (file name, contents); contents may be None for names read lazily elsewhere."""
    sheets: dict[str, RawSheet] = {}
    ignored: list[str] = []
    for file_name, data in files:
        path = PurePosixPath(file_name)
        name = _sheet_name(path.stem) if path.suffix.lower() == ".csv" else None
        if name is None or name in sheets or data is None:
            ignored.append(path.name)
            continue
        sheets[name] = _csv_sheet(name, data, path.name)
    return sheets, ignored


def _zip_files(data: bytes) -> Iterator[tuple[str, bytes | None]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.is_dir() or "__MACOSX" in info.filename:
                continue
            name = _zip_member_name(info)
            yield name, archive.read(info) if name.lower().endswith(".csv") else None


# ---- entry points ------------------------------------------------------------------------------

def check_size(size: int, limit_mb: int | None) -> None:
    if limit_mb is not None and size > limit_mb * 1024 * 1024:
        raise ImportFileError(f"文件有 {size / 1024 / 1024:.1f} MB，超过了 {limit_mb} MB 的上限；请按乡镇分成几个文件分别导入")


def read_bytes(data: bytes, file_name: str, limit_mb: int | None = None) -> RawBook:
    """An uploaded file: .xlsx, a single .csv named after a sheet, or a .zip of .csv files."""
    check_size(len(data), limit_mb)
    digest = hashlib.sha256(data).hexdigest()
    lower = file_name.lower()
    if not data:
        raise ImportFileError(f"文件“{file_name}”是空的")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(f"“{file_name}”是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入")
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_xlsx = "xl/workbook.xml" in archive.namelist()
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise ImportFileError(f"“{file_name}”已损坏，无法打开") from exc
        if unpacked > UNPACK_FACTOR * (limit_mb or 50) * 1024 * 1024:
            raise ImportFileError(f"“{file_name}”解压后超过 {UNPACK_FACTOR * (limit_mb or 50)} MB，请分成几个文件导入")
        if is_xlsx:
            try:
                sheets, ignored = _read_xlsx_fast(data)
            except Exception:  # noqa: BLE001 - an unusual writer: openpyxl reads what it can
                sheets, ignored = _read_xlsx(data)
        else:
            sheets, ignored = _read_csv_files(_zip_files(data))
    elif lower.endswith(".csv"):
        sheets, ignored = _read_csv_files([(file_name, data)])
    else:
        raise ImportFileError(f"“{file_name}”不是 Excel 工作簿（.xlsx），也不是 CSV 文件或 CSV 压缩包（.zip）")
    if not sheets:
        expected = "、".join(BY_NAME)
        found = "、".join(ignored) or "无"
        raise ImportFileError(f"“{file_name}”中没有可导入的工作表：工作表（或 CSV 文件）应命名为 {expected}；现有：{found}")
    return RawBook(file_name, digest, sheets, tuple(ignored))


def read_path(path: Path, limit_mb: int | None = None) -> RawBook:
    """A file on disk, or a folder of .csv files named after the sheets."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        check_size(sum(p.stat().st_size for p in files), limit_mb)
        contents = [(p.name, p.read_bytes() if p.suffix.lower() == ".csv" else None) for p in files]
        digest = hashlib.sha256()
        for name, data in contents:
            if data is not None:
                digest.update(re.sub(r"\s+", "", name).encode("utf-8") + b"\0" + data)
        sheets, ignored = _read_csv_files(contents)
        if not sheets:
            raise ImportFileError(f"文件夹“{path}”中没有以工作表命名的 CSV 文件（如 对象.csv、联系记录.csv）")
        return RawBook(path.name, digest.hexdigest(), sheets, tuple(ignored))
    if not path.exists():
        raise ImportFileError(f"找不到文件“{path}”")
    check_size(path.stat().st_size, limit_mb)
    return read_bytes(path.read_bytes(), path.name, limit_mb)
