"""What each page sends to the browser (issue 17: "no page sends more than a few thousand rows"):
every page of the navigation, rendered headless (AppTest) as a user of the given role and region,
with the rows of every table, chart and list of choices it sends counted from the messages
themselves (a table's Arrow data, a chart's traces, a select's options) and their size in bytes.

    .venv/bin/python -m bench.rows [--db URL] [--region CODE] [--role ROLE] [--limit N] [--page 页面标题 ...]

Defaults: the province demo (data/bench-province.db), a province leader (620000), limit 2,000 rows
per element. Exit status 1 when an element sends more than the limit or a page raises.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
from dataclasses import dataclass

ROW_LIMIT = 2_000


@dataclass
class Sent:
    page: str
    kind: str
    label: str
    rows: int
    nbytes: int


def _array_length(value) -> int:
    """Points in one plotly trace array: a list, or plotly's typed array ({"dtype", "bdata"})."""
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and "bdata" in value:
        itemsize = {"i1": 1, "u1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "f4": 4, "f8": 8}.get(value.get("dtype"), 8)
        shape = value.get("shape")
        if shape:
            total = 1
            for n in str(shape).split(","):
                total *= int(n)
            return total
        return len(base64.b64decode(value["bdata"])) // itemsize
    return 0


def chart_points(spec: str) -> int:
    """The points of a plotly figure: per trace, its longest data array (x, y, text, customdata …)."""
    figure = json.loads(spec)
    return sum(max((_array_length(v) for v in trace.values()), default=0) for trace in figure.get("data", []))


def arrow_rows(data: bytes) -> int:
    import pyarrow as pa

    if not data:
        return 0
    return pa.ipc.open_stream(data).read_all().num_rows


def measure(node) -> tuple[str, str, int] | None:
    """(kind, label, rows) for an element that carries rows, else None."""
    kind = getattr(node, "type", "")
    proto = getattr(node, "proto", None)
    if proto is None:
        return None
    if kind in ("dataframe", "arrow_data_frame", "table", "arrow_table"):
        data = getattr(proto, "data", None) or getattr(proto, "arrow_data", None)
        data = data.data if hasattr(data, "data") else data
        return kind, getattr(proto, "id", "") or "", arrow_rows(data)
    if kind == "plotly_chart":
        title = json.loads(proto.spec).get("layout", {}).get("title", {})
        return kind, title.get("text", "") if isinstance(title, dict) else str(title), chart_points(proto.spec)
    if kind in ("arrow_vega_lite_chart", "vega_lite_chart"):
        frames = [d.data for d in proto.datasets] + ([proto.data] if proto.HasField("data") else [])
        return kind, "", sum(arrow_rows(getattr(f, "data", f)) for f in frames)
    options = getattr(node, "options", None)
    if options is not None and kind in ("selectbox", "multiselect", "radio", "select_slider", "button_group"):
        return kind, getattr(node, "label", "") or "", len(options)
    return None


def walk(block):
    for child in getattr(block, "children", {}).values():
        yield child
        yield from walk(child)


def sent(at, page: str) -> list[Sent]:
    rows = []
    for node in walk(at._tree):
        found = measure(node)
        if found is not None:
            kind, label, count = found
            rows.append(Sent(page, kind, label, count, node.proto.ByteSize()))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rows", description="每个页面发送到浏览器的行数")
    parser.add_argument("--db", default="sqlite:///data/bench-province.db")
    parser.add_argument("--region", default="620000", help="登录账号的区划（默认甘肃省）")
    parser.add_argument("--role", default="leader")
    parser.add_argument("--limit", type=int, default=ROW_LIMIT, help=f"每个元素的行数上限（默认 {ROW_LIMIT}）")
    parser.add_argument("--page", action="append", default=[], help="只看这些页面（页面标题，可重复）")
    parser.add_argument("--all", action="store_true", help="列出每个元素（默认只列 100 行以上的）")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.db
    os.environ["DASHBOARD_RAISE_PAGE_ERRORS"] = "1"

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    from dashboard.navigation import PAGES, can_open
    from tests.apptest import ROOT, app, as_user

    user = as_user("bench", args.role, "" if args.role == "admin" else args.region)
    over, failed = [], []
    for spec in PAGES:
        if (args.page and spec.title not in args.page) or not can_open(args.role, spec.script):
            continue
        at = app(timeout=900, user=user)
        at.run()
        if spec.script != "pages/home.py":
            at.switch_page(str(ROOT / spec.script))
        started = time.perf_counter()
        at.run()
        took = time.perf_counter() - started
        if at.exception:
            print(f"{spec.title}: 出错 — {at.exception[0].message.splitlines()[0]}", flush=True)
            failed.append(spec.title)
            continue
        items = sent(at, spec.title)
        most = max((s.rows for s in items), default=0)
        total_bytes = sum(s.nbytes for s in items)
        print(f"{spec.title}: {len(items)} 个元素，最多 {most:,} 行，共 {total_bytes / 1024:,.0f} KB（{took:.1f} 秒）",
              flush=True)
        for s in items:
            flag = "  ← 超过上限" if s.rows > args.limit else ""
            if args.all or s.rows >= 100 or flag:
                print(f"    {s.kind:<14}{s.rows:>9,} 行 {s.nbytes / 1024:>9,.0f} KB  {s.label}{flag}", flush=True)
            if flag:
                over.append(s)
    if over:
        print(f"共 {len(over)} 个元素超过 {args.limit:,} 行：" + "、".join(f"{s.page}（{s.kind} {s.rows:,} 行）" for s in over))
    if failed:
        print(f"共 {len(failed)} 个页面出错：{'、'.join(failed)}")
    return 1 if over or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
