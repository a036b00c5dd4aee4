"""The province-scale targets (issue 17), each printed with its measured figure and the ratio to
the target: pages cold right after an import and warm, the import of one county's monthly workbook
with every refresh it triggers, and the same figures side by side — the project, DuckDB running the
same SQL over the same tables (its SQLite scanner), and the naive pandas way (read_sql, then
pandas).

    .venv/bin/python -m bench.scale [--db URL] [--county CODE] [--contacts N] [--repeat N] [--no-pages]
        [--pages-only TITLE ...] [--no-side-by-side]

The database is the province demo (`python -m bench` builds it). A run adds one workbook of
contacts (about 5,000, new record numbers each run) to it. Timings are wall-clock on whatever else
the machine is doing: on a shared 2-core machine they vary by 30 % or more from run to run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import re
import resource
import statistics
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import event, select

from bench.__main__ import DEFAULT_DB, DEFAULT_SEED, ensure_demo, pad
from bench.results import Target, ratio, record
from data_access import compliance, db, imports, trends, upkeep
from data_access.config import PROJECT_ROOT
from data_access.demo.regions import COUNTIES, PROVINCE, XIHE_CODE
from data_access.models import Cadre, Household, Pairing
from data_access.permissions import ROLE_ACTIONS, Actor
from data_access.policy import load_policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import METHODS

PAGE_COLD_TARGET = 1.0
PAGE_WARM_TARGET = 0.3
# Pages with their own province targets (cold, warm in seconds): 真实性核查 (issue 15).
PAGE_TARGETS = {"真实性核查": (2.0, 0.5)}
COUNTY_COLD_TARGET = 0.3
IMPORT_TARGET = 15.0
DUCKDB_RATIO_TARGET = 2.0
PANDAS_RATIO_TARGET = 50.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description="省级规模各项目标的实测值")
    parser.add_argument("--db", default=DEFAULT_DB, help="省级演示数据库（默认 data/bench-province.db）")
    parser.add_argument("--county", default=XIHE_CODE, help="导入月报表的县（默认 621225 西和县）")
    parser.add_argument("--contacts", type=int, default=5000, help="月报表中的联系记录条数（默认 5000）")
    parser.add_argument("--repeat", type=int, default=3, help="并列比较中每种做法运行次数（默认 3）")
    parser.add_argument("--no-pages", action="store_true", help="不测页面")
    parser.add_argument("--pages-only", nargs="*", default=None, metavar="TITLE", help="只测这些页面")
    parser.add_argument("--no-side-by-side", action="store_true", help="不做与 DuckDB、pandas 的并列比较")
    # For the smoke test (tests/test_bench_scale.py): the same code path on a small county demo.
    parser.add_argument("--scale", choices=("province", "county"), default="province",
                        help="演示数据的规模（county：沿用已有的县级演示数据，只用于冒烟测试）")
    parser.add_argument("--workbook", type=Path, default=PROJECT_ROOT / "data" / "bench-county-month.xlsx",
                        help="月报表写到此处（默认 data/bench-county-month.xlsx）")
    parser.add_argument("--no-record", action="store_true", help="不保存到 data/bench-results（bench.summary 不列出）")
    return parser.parse_args(argv)


def load() -> str:
    """The machine's load average (1, 5, 15 minutes), as printed beside the figures."""
    one, five, fifteen = os.getloadavg()
    return f"负载 {one:.1f}/{five:.1f}/{fifteen:.1f}"


def verdict(value: float, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    return "达到" if ok else "未达到"


# ---- the nightly job and the import ------------------------------------------------------------

def nightly(url: str, as_of: dt.date) -> float:
    """`db evaluate`: today's and the month ends' evaluations stored (only those missing), pruned."""
    started = time.perf_counter()
    with db.session_scope(url) as session:
        upkeep.after_rule_change(session, load_policy(session), as_of)
    return time.perf_counter() - started


def county_workbook(url: str, county: str, as_of: dt.date, contacts: int, path: Path) -> Path:
    """A county's monthly workbook of contacts: `contacts` rows for the county's active pairings,
    dated in the as-of month up to the as-of day, with record numbers new to the database."""
    with db.session_scope(url) as session:
        pairings = session.execute(
            select(Household.code, Cadre.code)
            .join(Pairing, Pairing.household_id == Household.id)
            .join(Cadre, Cadre.id == Pairing.cadre_id)
            .where(compliance.active_on(as_of), Scope.for_region(county).within(Household.village_code))
            .order_by(Pairing.id)
        ).all()
    rng = random.Random(as_of.toordinal())
    first = as_of.replace(day=1)
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("联系记录")
    sheet.append(["户编号", "干部编号", "日期", "方式", "内容", "慰问金额", "记录编号"])
    for i in range(contacts):
        household, cadre = pairings[i % len(pairings)]
        day = first + dt.timedelta(days=rng.randrange((as_of - first).days + 1))
        sheet.append([household, cadre, day.isoformat(), rng.choice(METHODS), "月度联系", None, f"BENCH-{stamp}-{i}"])
    workbook.save(path)
    return path


def time_import(url: str, path: Path, as_of: dt.date) -> dict:
    """Read, check, store, refresh every stored evaluation, commit, then the after-import upkeep
    (run by the import once it commits): what the import page does between 确认导入 and 导入完成."""
    marks: list[tuple[float, str]] = []
    started, cpu = time.perf_counter(), time.process_time()
    book = imports.read_path(path)
    with db.session_scope(url) as session:
        result = imports.run_import(session, book, actor=Actor("bench", "admin"), policy=load_policy(session), today=as_of,
                                    progress=lambda text: marks.append((time.perf_counter(), text)))
    done = time.perf_counter()
    committed = next((t for t, text in marks if text.startswith("正在更新今天")), done)
    if result.outcome != imports.OUTCOME_STORED:
        raise SystemExit(f"导入失败：{[p.line() for p in result.problems][:5]}")
    refresh_start = next((t for t, text in marks if text.startswith("正在更新")), committed)
    write_start = next((t for t, text in marks if text.startswith("正在写入")), started)
    return {
        "total": done - started, "cpu": time.process_time() - cpu, "read_check": write_start - started, "write": refresh_start - write_start,
        "refresh": committed - refresh_start, "after": done - committed,
        "contacts": result.counts["联系记录"].new, "dates": sum(1 for _, text in marks if "个日期" in text),
    }


# ---- pages --------------------------------------------------------------------------------------

def page_times(url: str, region: str, titles: list[str] | None):
    """Every page (or `titles`) as a leader of `region` (admin for admin-only pages): cold — empty
    page caches, right after the import — then warm (the same session run again); yields
    (title, cold, warm, cold CPU, warm CPU) as each is measured. The CPU seconds are this process's
    (the page's Python and, on SQLite, the database's work): on a machine shared with other work
    they say what the page costs when the wall-clock time mostly says how busy the machine was."""
    os.environ["DATABASE_URL"] = url
    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from dashboard.navigation import PAGES
    from tests.apptest import ROOT, app, as_user

    for spec in PAGES:
        if titles and spec.title not in titles:
            continue
        roles = [role for role, actions in ROLE_ACTIONS.items() if spec.action in actions]
        role = "leader" if "leader" in roles else roles[0]
        user = as_user("bench", role, "" if role == "admin" else region)
        at = app(timeout=600, user=user)
        at.run()
        if spec.script != "pages/home.py":
            at.switch_page(str(ROOT / spec.script))
        st.cache_data.clear()
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        at.run()
        warm, warm_cpu = time.perf_counter() - started, time.process_time() - cpu
        if at.exception:
            raise SystemExit(f"{spec.title}: 出错 {at.exception[0].message}")
        yield spec.title, cold, warm, cold_cpu, warm_cpu


# ---- side by side: the project, DuckDB, pandas --------------------------------------------------

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def captured(url: str, run) -> tuple[object, list[tuple[str, tuple]], float]:
    """Run `run(session)` and return its result, the SELECT statements it sent (SQL and
    parameters, as SQLite received them) and its time."""
    statements: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, tuple(parameters or ())))

    engine = db.get_engine(url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with db.session_scope(url) as session:
            started = time.perf_counter()
            result = run(session)
            seconds = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return result, statements, seconds


def duckdb_connection(path: str):
    import duckdb
    import duckdb_extension_sqlite_scanner

    extension = next(Path(duckdb_extension_sqlite_scanner.__file__).parent.glob("extensions/*/sqlite_scanner.duckdb_extension"))
    connection = duckdb.connect()
    connection.execute(f"LOAD '{extension}'")
    connection.execute("SET threads = 2")
    connection.execute(f"ATTACH '{path}' AS project (TYPE sqlite, READ_ONLY)")
    connection.execute("USE project")
    return connection


def duckdb_run(connection, statements: list[tuple[str, tuple]]) -> tuple[list, float]:
    started = time.perf_counter()
    results = []
    for sql, parameters in statements:
        values = [dt.date.fromisoformat(p) if isinstance(p, str) and DATE.match(p) else p for p in parameters]
        results.append(connection.execute(sql, values).fetchall())
    return results, time.perf_counter() - started


def naive_summary(url: str, as_of: dt.date) -> tuple:
    """The province summary the naive way: every stored status row of the day into pandas, then the
    same per-cadre roll-up in pandas."""
    engine = db.get_engine(url)
    with db.session_scope(url) as session:
        from data_access import status_store

        snapshot = status_store.find(session, as_of, load_policy(session))
    rows = pd.read_sql(f"SELECT * FROM status_rows WHERE snapshot_id = {int(snapshot)}", engine)
    rows["lagging"] = (rows.is_behind == 1) | (rows.is_silent == 1)
    per_cadre = rows.groupby("cadre_id").agg(lagging=("lagging", "max"))
    return (len(rows), int((~rows.lagging).sum()), int(rows.is_behind.sum()), int(rows.is_silent.sum()),
            len(per_cadre), int((~per_cadre.lagging).sum()), int(rows.owed_contacts.sum()),
            int(rows.done_contacts.sum()), int(rows.owed_visits.sum()), int(rows.done_visits.sum()),
            int(rows.first_visit_overdue.sum()))


def naive_coverage(url: str, as_of: dt.date) -> list[tuple[int, int]]:
    """Month-end coverage of the year the naive way: persons and pairings into pandas."""
    engine = db.get_engine(url)
    persons = pd.read_sql("SELECT household_id, status, exit_date FROM persons", engine, parse_dates=["exit_date"])
    pairings = pd.read_sql("SELECT household_id, start_date, end_date FROM pairings", engine,
                           parse_dates=["start_date", "end_date"])
    found = []
    for day in trends.month_ends(as_of):
        stamp = pd.Timestamp(day)
        register = persons[(persons.status == "在册") | persons.exit_date.isna() | (persons.exit_date > stamp)]
        active = pairings[(pairings.start_date <= stamp) & (pairings.end_date.isna() | (pairings.end_date > stamp))]
        found.append((len(register), int(register.household_id.isin(set(active.household_id)).sum())))
    return found


def naive_laggards(url: str, county: str, as_of: dt.date) -> list[int]:
    """The county's worst 50 the naive way: the day's stored rows of the whole database into
    pandas, filtered to the county, sorted worst first (compliance's order)."""
    engine = db.get_engine(url)
    with db.session_scope(url) as session:
        from data_access import status_store

        snapshot = status_store.find(session, as_of, load_policy(session))
    rows = pd.read_sql(f"SELECT * FROM status_rows WHERE snapshot_id = {int(snapshot)}", engine,
                       parse_dates=["last_contact", "start_date"])
    rows = rows[rows.village_code.str.startswith(county) & ((rows.is_behind == 1) | (rows.is_silent == 1))].copy()
    rows["rank"] = rows.is_behind + 2 * rows.is_silent
    rows["shortfall"] = (rows.owed_contacts - rows[["done_contacts", "owed_contacts"]].min(axis=1)) + (
        rows.owed_visits - rows[["done_visits", "owed_visits"]].min(axis=1))
    rows["silent_since"] = rows.last_contact.fillna(rows.start_date)
    rows = rows.sort_values(["rank", "shortfall", "silent_since", "cadre_id", "pairing_id"],
                            ascending=[False, False, True, True, True])
    return [int(i) for i in rows.pairing_id.head(50)]


def timed(run, repeat: int) -> tuple[object, float, float]:
    """(result, first time, median of the others) of `run()`."""
    times, result = [], None
    for _ in range(max(repeat, 2)):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return result, times[0], statistics.median(times[1:])


def side_by_side(url: str, county: str, as_of: dt.date, repeat: int) -> list[dict]:
    path = db.get_engine(url).url.database
    policy_of = lambda s: load_policy(s)  # noqa: E731
    figures = [
        ("全省达标汇总（compliance.summary）",
         lambda s: compliance.summary(s, EVERYWHERE, as_of, policy_of(s)),
         lambda: naive_summary(url, as_of),
         lambda r: tuple(int(v) for v in (r.__dict__.values() if hasattr(r, "__dict__") else r))),
        (f"{dict(COUNTIES).get(county, county)}滞后最重 50 个结对",
         lambda s: compliance.laggard_page(s, Scope.for_region(county), as_of, policy_of(s), page_size=50),
         lambda: naive_laggards(url, county, as_of),
         lambda r: [int(i) for i in r.rows["pairing_id"]] if hasattr(r, "rows") else list(r)),
        ("全省今年各月末覆盖率",
         lambda s: trends._coverage_counts(s, EVERYWHERE, trends.month_ends(as_of)),
         lambda: naive_coverage(url, as_of),
         lambda r: [tuple(int(v) for v in x) for x in r]),
    ]
    out = []
    for name, project, naive, normal in figures:
        result, statements, first = captured(url, project)
        _, project_warm_first, project_warm = timed(lambda project=project: captured(url, project)[2], repeat)
        project_warm = min(project_warm, project_warm_first)
        connection = duckdb_connection(path)
        started = time.perf_counter()
        duck_results, _ = duckdb_run(connection, statements)
        duck_cold = time.perf_counter() - started
        duck_warm = statistics.median(duckdb_run(connection, statements)[1] for _ in range(max(repeat - 1, 1)))
        connection.close()
        started = time.perf_counter()
        pandas_result = naive()
        pandas_time = time.perf_counter() - started
        same = normal(result) == normal(pandas_result)
        out.append({"name": name, "project_cold": first, "project_warm": project_warm, "duck_cold": duck_cold,
                    "duck_warm": duck_warm, "pandas": pandas_time, "same_as_pandas": same,
                    "statements": len(statements), "duck_rows": sum(len(r) for r in duck_results)})
    return out


# ---- report -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    as_of = ensure_demo(args.db, DEFAULT_SEED, False, args.scale)
    keep = (lambda *_: None) if args.no_record else record
    county_name = dict(COUNTIES).get(args.county, args.county)
    backend = "postgresql" if args.db.startswith("postgresql") else "sqlite"
    targets: list[Target] = []
    print(f"\n省级规模目标（{args.db.rsplit('/', 1)[-1]}，截至 {as_of}；本机 {os.cpu_count()} 核，{load()}；"
          "与其他任务共用时数字波动可达 30% 以上）", flush=True)
    seconds = nightly(args.db, as_of)
    print(f"夜间预计算（db evaluate：今天、上周同日及今年各月末，缺的才算）：{seconds:.1f} 秒", flush=True)

    path = county_workbook(args.db, args.county, as_of, args.contacts, args.workbook)
    measured = time_import(args.db, path, as_of)
    print(f"\n导入{county_name}月报表（{measured['contacts']:,} 条联系记录）并更新 {measured['dates']} 个已存日期："
          f"{measured['total']:.1f} 秒（目标 ≤ {IMPORT_TARGET:.0f} 秒，{measured['total'] / IMPORT_TARGET:.2f}×，"
          f"{verdict(measured['total'], IMPORT_TARGET)}）")
    print(f"  读取和检查 {measured['read_check']:.1f} 秒，写入 {measured['write']:.1f} 秒，"
          f"更新已存的达标评估 {measured['refresh']:.1f} 秒，提交后保存今天的评估并清理 {measured['after']:.1f} 秒；"
          f"本进程 CPU {measured['cpu']:.1f} 秒（{load()}）",
          flush=True)
    targets.append(Target(f"导入一个县的月报表（{measured['contacts']:,} 条）及其引起的全部更新 ≤ {IMPORT_TARGET:.0f} 秒",
                          f"{measured['total']:.1f} 秒", ratio(measured["total"], IMPORT_TARGET),
                          measured["total"] <= IMPORT_TARGET))

    if not args.no_pages:
        print(f"\n{pad('页面（全省领导，导入后）', 28)}{pad('首次(秒)', 10)}{pad('比目标', 8)}{pad('缓存后(秒)', 12)}"
              f"{pad('比目标', 8)}{pad('CPU 首次/缓存后(秒)', 22)}（{load()}）", flush=True)
        province = []  # each line printed as it is measured
        for title, cold, warm, cold_cpu, warm_cpu in page_times(args.db, PROVINCE[0], args.pages_only):
            province.append((title, cold, warm))
            cold_target, warm_target = PAGE_TARGETS.get(title, (PAGE_COLD_TARGET, PAGE_WARM_TARGET))
            print(f"{pad(title, 28)}{cold:<10.2f}{cold / cold_target:<8.2f}{warm:<12.2f}{warm / warm_target:<8.2f}"
                  f"{pad(f'{cold_cpu:.2f}/{warm_cpu:.2f}', 22)}"
                  f"{verdict(cold, cold_target)}/{verdict(warm, warm_target)}"
                  f"{f'（目标 ≤ {cold_target:g} / {warm_target:g} 秒）' if title in PAGE_TARGETS else ''}", flush=True)
        print(f"\n{pad(f'页面（{county_name}领导，导入后）', 28)}{pad('首次(秒)', 10)}{pad('比目标', 8)}"
              f"{pad('缓存后(秒)', 12)}{pad('CPU 首次/缓存后(秒)', 22)}", flush=True)
        county = []
        for title, cold, warm, cold_cpu, warm_cpu in page_times(args.db, args.county, args.pages_only):
            county.append((title, cold, warm))
            print(f"{pad(title, 28)}{cold:<10.2f}{cold / COUNTY_COLD_TARGET:<8.2f}{warm:<12.2f}"
                  f"{pad(f'{cold_cpu:.2f}/{warm_cpu:.2f}', 22)}{verdict(cold, COUNTY_COLD_TARGET)}", flush=True)
        print(f"（测完页面时{load()}）", flush=True)
        targets += [
            worst_page(f"全省每个页面导入后首次打开 ≤ {PAGE_COLD_TARGET:g} 秒",
                       [(t, c) for t, c, _ in province if t not in PAGE_TARGETS], PAGE_COLD_TARGET),
            worst_page(f"全省每个页面缓存后 ≤ {PAGE_WARM_TARGET:g} 秒",
                       [(t, w) for t, _, w in province if t not in PAGE_TARGETS], PAGE_WARM_TARGET),
            *(worst_page(f"全省领导打开{t}：首次 ≤ {PAGE_TARGETS[t][0]:g} 秒", [(t, c)], PAGE_TARGETS[t][0])
              for t, c, _ in province if t in PAGE_TARGETS),
            *(worst_page(f"全省领导打开{t}：缓存后 ≤ {PAGE_TARGETS[t][1]:g} 秒", [(t, w)], PAGE_TARGETS[t][1])
              for t, _, w in province if t in PAGE_TARGETS),
            worst_page(f"县级每个页面导入后首次打开 ≤ {COUNTY_COLD_TARGET:g} 秒", [(t, c) for t, c, _ in county],
                       COUNTY_COLD_TARGET),
        ]
    name = "PostgreSQL" if backend == "postgresql" else "SQLite"
    if args.no_side_by_side or backend != "sqlite":
        if backend != "sqlite":
            print("\n并列比较（DuckDB、pandas）只在 SQLite 上做：DuckDB 执行的是本项目发给 SQLite 的同一 SQL。")
        keep(f"scale-{backend}", f"省级演示数据，{name}（bench.scale）", targets)
        return 0

    print("\n并列比较（同一数据、同一结果；DuckDB 执行本项目发出的同一 SQL，经其 SQLite 扫描器读同一文件；"
          "pandas：read_sql 读入明细后计算）")
    print(f"{pad('数字', 32)}{pad('本项目 首次/再次', 20)}{pad('DuckDB 首次/再次', 20)}{pad('pandas', 10)}"
          f"{pad('÷DuckDB(≤2)', 14)}{pad('pandas÷本项目(≥50)', 20)}")
    for row in side_by_side(args.db, args.county, as_of, args.repeat):
        cells = [
            f"{row['project_cold']:.3f}/{row['project_warm']:.3f}",
            f"{row['duck_cold']:.3f}/{row['duck_warm']:.3f}",
            f"{row['pandas']:.2f}",
            f"{row['project_cold'] / row['duck_cold']:.2f}/{row['project_warm'] / row['duck_warm']:.2f}",
            f"{row['pandas'] / row['project_cold']:.0f}/{row['pandas'] / row['project_warm']:.0f}",
        ]
        widths = [20, 20, 10, 14, 20]
        note = "" if row["same_as_pandas"] else "（结果与 pandas 不一致！）"
        print(pad(row["name"], 32) + "".join(pad(c, w) for c, w in zip(cells, widths, strict=True)) + note)
        duck = max(row["project_cold"] / row["duck_cold"], row["project_warm"] / row["duck_warm"])
        faster = min(row["pandas"] / row["project_cold"], row["pandas"] / row["project_warm"])
        targets += [
            Target(f"{row['name']}：不超过 DuckDB 的 {DUCKDB_RATIO_TARGET:g} 倍（首次/再次）",
                   f"{row['project_cold']:.3f}/{row['project_warm']:.3f} 秒", f"{cells[3]}×",
                   duck <= DUCKDB_RATIO_TARGET, f"DuckDB {cells[1]} 秒"),
            Target(f"{row['name']}：比 pandas 快 {PANDAS_RATIO_TARGET:g} 倍以上（首次/再次）",
                   f"{cells[4]} 倍", f"{faster / PANDAS_RATIO_TARGET:.2f}×",
                   faster >= PANDAS_RATIO_TARGET and row["same_as_pandas"],
                   f"pandas {row['pandas']:.2f} 秒" + ("" if row["same_as_pandas"] else "，结果不一致")),
        ]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n本进程内存峰值 {peak:,.0f} MB（含 pandas 读入的明细）")
    keep(f"scale-{backend}", f"省级演示数据，{name}（bench.scale）", targets)
    return 0


def worst_page(target: str, times: list[tuple[str, float]], limit: float) -> Target:
    """One target over every page: the slowest page's figure, and how many pages missed."""
    if not times:
        return Target(target, "未测", "—", None)
    title, seconds = max(times, key=lambda t: t[1])
    over = [t for t, s in times if s > limit]
    note = f"最慢：{title}；{len(over)}/{len(times)} 个页面超过" if over else f"最慢：{title}；{len(times)} 个页面"
    return Target(target, f"{seconds:.2f} 秒", ratio(seconds, limit), not over, note)


if __name__ == "__main__":
    raise SystemExit(main())
