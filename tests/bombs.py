"""Hostile and careless files for the import's limits: zip bombs whose headers lie, an xlsx with a
huge sheet, CSVs past a limit. Built as streams (a bomb of hundreds of MB compresses in a few
seconds and never sits in this process's memory)."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from tests.import_workbooks import base_sheets, write_xlsx

CONTACT_HEADER = "户编号,干部编号,日期,方式,内容,慰问金额,记录编号\n"
CONTACT_ROW = "H001,GB01,2023-05-03,电话,询问近况,,\n"


def _deflate_repeated(head: bytes, chunk: bytes, total: int) -> tuple[bytes, int, int]:
    """Raw deflate of `head` then `chunk` repeated up to `total` bytes: (compressed, size, crc)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts, size, crc = [compressor.compress(head)], len(head), zlib.crc32(head)
    while size + len(chunk) <= total:
        parts.append(compressor.compress(chunk))
        size += len(chunk)
        crc = zlib.crc32(chunk, crc)
    parts.append(compressor.flush())
    return b"".join(parts), size, crc


def lying_zip(path: Path, member: str, head: bytes, chunk: bytes, total: int, claimed: int | None = 1024,
              others: dict[str, bytes] | None = None) -> Path:
    """A zip whose `member` unpacks to `total` bytes while its headers claim `claimed` (None: the
    headers tell the truth)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in (others or {}).items():
            archive.writestr(name, body)
        archive.writestr(member, b"placeholder")
    body = path.read_bytes()
    compressed, size, crc = _deflate_repeated(head, chunk, total)
    claimed = size if claimed is None else claimed
    # rebuild: the other members as written, then the bomb member with headers that lie
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    out = bytearray()
    central = bytearray()
    for info in infos:
        name = info.filename.encode("utf-8")
        flags = 0x800
        if info.filename == member:
            data, csize, usize, mcrc = compressed, len(compressed), claimed, crc
        else:
            start = info.header_offset
            name_len, extra_len = struct.unpack("<HH", body[start + 26:start + 30])
            data_start = start + 30 + name_len + extra_len
            data = body[data_start:data_start + info.compress_size]
            csize, usize, mcrc = info.compress_size, info.file_size, info.CRC
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, 0, 0x21, mcrc, csize, usize, len(name), 0)
        out += name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8, 0, 0x21, mcrc, csize, usize,
                               len(name), 0, 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(infos), len(infos), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def csv_zip_bomb(path: Path, total: int = 2 * 1024**3, claimed: int | None = 1024, row: str = CONTACT_ROW) -> Path:
    """联系记录.csv of `total` bytes of `row` (default 2 GB) in a zip whose header claims 1 KB
    (`claimed` None: an honest header)."""
    return lying_zip(path, "联系记录.csv", CONTACT_HEADER.encode(), row.encode() * max(1, 65536 // len(row)), total,
                     claimed)


def xlsx_huge_sheet(path: Path, tmp: Path, total: int = 900 * 1024**2, honest: bool = True) -> Path:
    """A real workbook whose 联系记录 sheet's XML is replaced by `total` bytes of rows."""
    sheets = base_sheets()
    small = write_xlsx(tmp / "small.xlsx", {"联系记录": sheets["联系记录"]})
    with zipfile.ZipFile(small) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    sheet_name = next(n for n in members if n.startswith("xl/worksheets/sheet"))
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>')
    row = b'<row><c t="inlineStr"><is><t>H001</t></is></c><c t="inlineStr"><is><t>GB01</t></is></c></row>'
    others = {n: b for n, b in members.items() if n != sheet_name}
    return lying_zip(path, sheet_name, head, row * 2048, total, claimed=None if honest else len(members[sheet_name]),
                     others=others)
