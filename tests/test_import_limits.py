"""Upload bombs and files past a limit: refused with a Chinese message naming the limit, by what is
actually read (never what a header claims), while the process's memory stays near where it was.

Each bomb is read in a child process with an address-space ceiling (RLIMIT_AS) well below what
the bomb would take, and its peak resident memory is reported back: a regression fails on the
ceiling or on the measured peak instead of taking the machine down."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from data_access import imports
from data_access.imports import reading
from tests import bombs
from tests.import_workbooks import base_sheets, write_xlsx

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, resource, sys
from data_access.imports import reading
def status(key):
    with open("/proc/self/status") as h:
        return next(int(line.split()[1]) * 1024 for line in h if line.startswith(key + ":"))
data = open(sys.argv[1], "rb").read()
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (status("VmSize") + 1536 * 1024 * 1024, hard))
with open("/proc/self/clear_refs", "w") as h:
    h.write("5")  # the peak (VmHWM) starts again from now: imports and the file read are not counted
base_rss = status("VmRSS")
try:
    reading.read_bytes(data, sys.argv[2], 50)
    message = None
except reading.ImportFileError as exc:
    message = str(exc)
print(json.dumps({"message": message, "growth_mb": (status("VmHWM") - base_rss) / 1024 / 1024}))
"""


def read_in_child(path: Path, name: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), name], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_zip_whose_header_lies_is_refused_by_what_it_unpacks(tmp_path):
    bomb = bombs.csv_zip_bomb(tmp_path / "联系记录.zip", total=300 * 1024**2)
    assert bomb.stat().st_size < 2 * 1024**2
    with zipfile.ZipFile(bomb) as archive:
        assert sum(i.file_size for i in archive.infolist()) == 1024  # the header claims 1 KB
    outcome = read_in_child(bomb, "联系记录.zip")
    assert outcome["message"] == "“联系记录.zip”已损坏（文件中记录的大小或校验码与内容不符），无法打开"
    assert outcome["growth_mb"] < 100, outcome


def test_a_zip_of_rows_packed_hundreds_of_times_is_refused_early(tmp_path):
    bomb = bombs.csv_zip_bomb(tmp_path / "联系记录.zip", total=100 * 1024**2, claimed=None)
    assert bomb.stat().st_size < 1024**2
    outcome = read_in_child(bomb, "联系记录.zip")  # short rows: the row limit comes first
    assert outcome["message"] == "工作表“联系记录”超过了每个工作表 100000 行的上限；请按乡镇分成几个文件分别导入"
    assert outcome["growth_mb"] < 120, outcome
    notes = bombs.csv_zip_bomb(tmp_path / "长记录.zip", total=100 * 1024**2, claimed=None,
                               row="H001,GB01,2023-05-03,电话," + "近况良好" * 5000 + ",,\n")
    outcome = read_in_child(notes, "长记录.zip")  # long rows: the packing ratio
    assert outcome["message"] == ("“长记录.zip”解压后超过压缩文件的 100 倍（上限），不像是正常的数据文件"
                                  "（可能是“压缩炸弹”）；请检查文件来源，或直接上传未压缩的 .xlsx / .csv")
    assert outcome["growth_mb"] < 100, outcome


def test_an_xlsx_with_a_huge_sheet_is_refused_within_the_memory_ceiling(tmp_path):
    bomb = bombs.xlsx_huge_sheet(tmp_path / "大表.xlsx", tmp_path, total=100 * 1024**2)
    assert bomb.stat().st_size < 2 * 1024**2
    outcome = read_in_child(bomb, "大表.xlsx")
    assert outcome["message"] == "工作表“联系记录”超过了每个工作表 100000 行的上限；请按乡镇分成几个文件分别导入"
    assert outcome["growth_mb"] < 120, outcome
    # the same with a sheet past the unpacked limit by its honest header: refused before unpacking
    bigger = bombs.xlsx_huge_sheet(tmp_path / "更大.xlsx", tmp_path, total=300 * 1024**2)
    outcome = read_in_child(bigger, "更大.xlsx")
    assert outcome["message"] == ("“更大.xlsx”解压后的内容超过了 256 MB 的上限，不像是正常的数据文件；"
                                  "请检查文件，或按乡镇分成几个文件分别导入")
    assert outcome["growth_mb"] < 50, outcome
    # and with a header that lies: the read stops at the size claimed, the file is corrupt
    lying = bombs.xlsx_huge_sheet(tmp_path / "说谎.xlsx", tmp_path, total=300 * 1024**2, honest=False)
    outcome = read_in_child(lying, "说谎.xlsx")
    assert outcome["message"] is not None and "已损坏" in outcome["message"]
    assert outcome["growth_mb"] < 100, outcome


def test_too_many_rows_in_a_sheet_name_the_limit(tmp_path):
    data = (bombs.CONTACT_HEADER + bombs.CONTACT_ROW * 1001).encode()
    limits = reading.Limits(max_rows=1000)
    with pytest.raises(imports.ImportFileError, match="超过了每个工作表 1000 行的上限"):
        imports.read_bytes(data, "联系记录.csv", 50, limits)
    # blank lines count too: they cost memory to read all the same
    with pytest.raises(imports.ImportFileError, match="1000 行的上限"):
        imports.read_bytes((bombs.CONTACT_HEADER + "\n" * 2000).encode(), "联系记录.csv", 50, limits)
    assert len(imports.read_bytes(data, "联系记录.csv", 50, reading.Limits(max_rows=1002))
               .sheets["联系记录"].rows) == 1001


def test_unpacked_bytes_are_counted_as_read(tmp_path):
    # an honest zip of 3 MB of varied rows (packs about 5×): past a 2-MB unpacked limit
    rows = "".join(f"H{i:05d},GB{i % 97:02d},2023-05-03,电话,第{i}次询问近况,,R{i}\n" for i in range(60_000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("联系记录.csv", bombs.CONTACT_HEADER + rows)
    with pytest.raises(imports.ImportFileError, match="解压后的内容超过了 2 MB 的上限"):
        imports.read_bytes(buffer.getvalue(), "联系记录.zip", 50, reading.Limits(max_unpacked=2 * 1024 * 1024))


def test_memory_ceiling_refuses_a_file_that_grows_the_process_too_much():
    rows = "".join(f"H{i:06d},GB{i % 97:02d},2023-05-03,电话,第{i}次询问近况,,R{i}\n" for i in range(150_000))
    with pytest.raises(imports.ImportFileError, match="所需内存超过了 10 MB 的上限"):
        imports.read_bytes((bombs.CONTACT_HEADER + rows).encode(), "联系记录.csv", 50,
                           reading.Limits(max_memory=10 * 1024 * 1024))


def test_a_cell_longer_than_excel_allows_and_one_past_the_csv_limit(tmp_path):
    long_note = (bombs.CONTACT_HEADER + "H001,GB01,2023-05-03,电话," + "长" * 40_000 + ",,\n").encode()
    with pytest.raises(imports.ImportFileError, match="第 2 行第 5 列有 40000 个字符，超过了单元格 32767 个字符的上限"):
        imports.read_bytes(long_note, "联系记录.csv", 50)
    huge = (bombs.CONTACT_HEADER + "H001,GB01,2023-05-03,电话," + "x" * 140_000 + ",,\n").encode()
    with pytest.raises(imports.ImportFileError, match="CSV 文件“联系记录.csv”第 2 行无法读取：有单元格超过 131072 个字符"):
        imports.read_bytes(huge, "联系记录.csv", 50)


def test_content_right_of_the_column_limit(tmp_path):
    sheets = {"联系记录": [row + [None] * 5 for row in base_sheets()["联系记录"]]}
    sheets["联系记录"][2] = sheets["联系记录"][2] + [None] * 300 + ["多余"]
    with pytest.raises(imports.ImportFileError, match="第 3 行在第 200 列之后还有内容"):
        imports.read_path(write_xlsx(tmp_path / "宽表.xlsx", sheets))


def test_problems_listed_are_capped_per_sheet_and_column():
    problems = [imports.Problem("联系记录", i + 2, "日期", "明天", "日期格式不对") for i in range(5000)]
    problems.append(imports.Problem("联系记录", 3, "方式", "飞鸽", "不在可选范围内"))
    frame = imports.problems_frame(problems)
    assert len(frame) == 20 + 1 + 1
    assert frame.iloc[-1]["问题"].startswith("共 5001 个问题，以上只列出每个工作表每一列的前 20 个，另有 4980 个同类问题未列出")
