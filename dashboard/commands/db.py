"""`db upgrade`: create or migrate the schema. `db evaluate [--as-of DATE]`: store the day's
evaluation of the compliance rule ahead of the first viewer (for a nightly job)."""

import datetime as dt
import time

from dashboard.commands.common import parse_date_arg
from data_access import compliance, db, status_store
from data_access.policy import load_policy


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="数据库结构")
    actions = parser.add_subparsers(dest="db_action", required=True)
    upgrade = actions.add_parser("upgrade", help="创建或升级数据库结构")
    upgrade.set_defaults(handler=_upgrade)
    evaluate = actions.add_parser(
        "evaluate", help="预先计算全库结对达标情况（建议每日零点后由定时任务运行，省级页面首次打开即可秒开）"
    )
    evaluate.add_argument("--as-of", type=parse_date_arg, default=None, help="截至日期 YYYY-MM-DD（默认今天）")
    evaluate.set_defaults(handler=_evaluate)


def _upgrade(_args) -> int:
    db.upgrade()
    print("数据库结构已是最新。")
    return 0


def _evaluate(args) -> int:
    as_of = args.as_of or dt.date.today()
    started = time.perf_counter()
    with db.session_scope() as session:
        snapshot = compliance.store_status(session, as_of, load_policy(session))
        found = next(s for s in status_store.stored(session) if s["id"] == snapshot)
    print(f"已计算截至 {as_of} 的结对达标情况：在结对 {found['pairings']:,} 户，用时 {time.perf_counter() - started:.1f} 秒。")
    return 0
