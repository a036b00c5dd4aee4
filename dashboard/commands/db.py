"""`db upgrade`: create or migrate the schema. `db evaluate [--as-of DATE]`: store the evaluations
of the compliance rule that province-wide pages read — the day, each month end of its year before
it (工作总览, 趋势分析, 月通报) and the same day last week (达标督查, 逾期事项) — ahead of the first
viewer (for a nightly job), after rebuilding the per-county daily counts
(data_access.daily_counts) from the records."""

import time

from dashboard.commands.common import parse_date_arg
from data_access import daily_counts, db, status_store, upkeep
from data_access.config import current_date
from data_access.policy import load_policy


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="数据库结构")
    actions = parser.add_subparsers(dest="db_action", required=True)
    upgrade = actions.add_parser("upgrade", help="创建或升级数据库结构")
    upgrade.set_defaults(handler=_upgrade)
    evaluate = actions.add_parser(
        "evaluate", help="预先计算截至日期及当年各月末的全库结对达标情况（建议每日零点后由定时任务运行）"
    )
    evaluate.add_argument("--as-of", type=parse_date_arg, default=None, help="截至日期 YYYY-MM-DD（默认今天）")
    evaluate.set_defaults(handler=_evaluate)


def _upgrade(_args) -> int:
    db.upgrade()
    print("数据库结构已是最新。")
    return 0


def _evaluate(args) -> int:
    as_of = args.as_of or current_date()
    started = time.perf_counter()
    with db.session_scope() as session:
        daily_counts.rebuild(session)  # the per-county daily counts, whole again whatever wrote meanwhile
    with db.session_scope() as session:
        policy = load_policy(session)
        ids = upkeep.after_rule_change(session, policy, as_of)
        found = {s["id"]: s for s in status_store.stored(session)}
    today = found[ids[-1]]
    print(f"已计算截至 {as_of}、上周同日及当年各月末（共 {len(ids)} 个日期）的结对达标情况："
          f"截至 {as_of} 在结对 {today['pairings']:,} 户，用时 {time.perf_counter() - started:.1f} 秒。")
    return 0
