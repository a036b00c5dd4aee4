"""`stats [--as-of DATE]`: JSON counts on stdout."""

import json

from dashboard.commands.common import parse_date_arg
from data_access.db import session_scope
from data_access.stats import stats


def register(subparsers) -> None:
    parser = subparsers.add_parser("stats", help="输出数据统计（JSON）")
    parser.add_argument("--as-of", type=parse_date_arg, help="统计截至日期 YYYY-MM-DD")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    with session_scope() as session:
        print(json.dumps(stats(session, args.as_of), ensure_ascii=False, indent=2))
    return 0
