"""`export laggards|overdue|signals --as-of DATE [--region CODE] --out FILE.csv|FILE.xlsx`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dashboard.cli import UserError
from dashboard.commands.common import COMMAND_LINE, parse_date_arg
from data_access import audit, compliance, needs, permissions, regions, signals
from data_access.config import current_date
from data_access.db import session_scope
from data_access.exporting import ExportStamp, write_file
from data_access.policy import load_policy
from data_access.scope import Scope

EXPORTS = {
    "laggards": ("滞后干部名单", lambda s, scope, as_of: compliance.laggards_frame(s, scope, as_of, load_policy(s))),
    "overdue": ("逾期诉求清单", lambda s, scope, as_of: needs.overdue_frame(s, scope, as_of)),
    "signals": ("真实性核查信号", lambda s, scope, as_of: signals.export_frame(s, scope, as_of, load_policy(s))),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("export", help="导出名单（CSV 或 Excel）")
    parser.add_argument("kind", choices=sorted(EXPORTS),
                        help="laggards：滞后/失联结对；overdue：逾期诉求；signals：真实性核查信号（每名干部每个信号一行）")
    parser.add_argument("--as-of", type=parse_date_arg, default=current_date(), help="截至日期 YYYY-MM-DD")
    parser.add_argument("--region", help="区划代码（默认全部）")
    parser.add_argument("--out", required=True, type=Path, help="输出文件 .csv 或 .xlsx")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise UserError(f"输出文件应以 .csv 或 .xlsx 结尾：{args.out}")
    what, build = EXPORTS[args.kind]
    with session_scope() as session:
        region_name = "全部地区"
        if args.region:
            region = regions.get(session, args.region)
            if region is None:
                raise UserError(f"区划代码 {args.region} 不存在")
            region_name = region.name
        scope = Scope.for_region(args.region)
        permissions.check(COMMAND_LINE, "export_lists", scope)  # the same check as every export
        frame = build(session, scope, args.as_of)
        stamp = ExportStamp(COMMAND_LINE.username, f"{what}（截至 {args.as_of}）", region_name, dt.datetime.now())
        write_file(frame, args.out, stamp, sheet_name=what)
        audit.record(session, COMMAND_LINE.username, "export", args.region, what, {"rows": len(frame), "file": str(args.out)})
    print(f"已导出 {len(frame)} 行到 {args.out}")
    return 0
