"""`python -m bench.scale` runs end to end on a small county demo (seconds), so a change that breaks
its code path — the import as the bench drives it, the pages as it opens them, the side-by-side
figures when DuckDB is installed (the `bench` extra) — fails the suite instead of the next `make bench`
(it broke twice after other landings: PageSpec lost `roles`, run_import took `actor`)."""

from __future__ import annotations

import importlib.util

from bench import scale
from bench.__main__ import DEFAULT_SEED
from data_access.db import get_engine
from data_access.demo.build import build_demo
from data_access.demo.plan import DemoConfig
from data_access.demo.regions import XIHE_CODE
from tests.fixed_date import TODAY

PAGES = ["工作总览", "达标督查", "真实性核查"]  # the first, a list page, the one with its own target


def test_bench_scale_runs_on_a_small_demo(sqlite_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)  # page_times points the pages at the bench's database
    build_demo(DemoConfig("county", DEFAULT_SEED, TODAY, households=120), sqlite_url)
    side_by_side = importlib.util.find_spec("duckdb") is not None
    code = scale.main(["--db", sqlite_url, "--scale", "county", "--county", XIHE_CODE, "--contacts", "60",
                       "--repeat", "1", "--workbook", str(tmp_path / "month.xlsx"), "--no-record",
                       "--pages-only", *PAGES, *([] if side_by_side else ["--no-side-by-side"])])
    get_engine(sqlite_url).dispose()
    out = capsys.readouterr().out
    assert code == 0
    assert "导入西和县月报表（60 条联系记录）" in out
    for title in PAGES:  # each page's line, for the province leader and for the county's
        assert sum(line.startswith(title) for line in out.splitlines()) == 2, title
    if side_by_side:
        assert "结果与 pandas 不一致" not in out and "全省达标汇总" in out
