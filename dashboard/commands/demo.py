"""`demo --scale county|province [--seed N] [--as-of DATE] [--replace | --if-empty]`: build the demo database."""


from dashboard.cli import UserError
from dashboard.commands.common import parse_date_arg
from data_access import db
from data_access.accounts import create_demo_accounts
from data_access.config import current_date
from data_access.db import session_scope
from data_access.demo.build import DemoDataExists, build_demo
from data_access.demo.plan import SCALES, DemoConfig
from data_access.demo.regions import XIHE_CODE

SCALE_LABELS = {"county": "县级规模（甘肃省陇南市西和县）", "province": "省级规模（甘肃省全部市州、县区）"}
DEFAULT_SEED = 2023


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="生成演示数据（可重复：同一种子和日期得到相同数据）")
    parser.add_argument("--scale", choices=SCALES, default="county", help="规模：county 西和县 / province 全省")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
    parser.add_argument("--as-of", type=parse_date_arg, help="数据截至日期 YYYY-MM-DD（默认今天）")
    existing = parser.add_mutually_exclusive_group()
    existing.add_argument("--replace", action="store_true", help="删除已有的结对关爱数据后重建（保留用户、审计日志和政策设置）")
    existing.add_argument("--if-empty", action="store_true", help="数据库中已有结对关爱数据时不生成，直接结束（make run 用）")
    parser.add_argument("--households", type=int, help="县级规模时的户数（默认 4225，测试时可调小）")
    parser.set_defaults(handler=_run)


def _progress(done: int, total: int) -> None:
    if total > 1 and (done % 10 == 0 or done == total):
        print(f"  已生成 {done}/{total} 个县区", flush=True)


def _run(args) -> int:
    if args.households is not None and (args.scale != "county" or args.households < 50):
        raise UserError("--households 只用于县级规模，且不少于 50 户")
    config = DemoConfig(args.scale, args.seed, args.as_of or current_date(), args.households)
    db.upgrade()
    try:
        summary = build_demo(config, replace=args.replace, progress=_progress)
    except DemoDataExists:
        if args.if_empty:
            print("数据库中已有结对关爱数据，未生成演示数据。")
            return 0
        raise UserError("数据库中已有结对关爱数据；如确需用演示数据替换，请加 --replace") from None
    with session_scope() as session:  # the demo accounts (password demo1234): only a demo database has them
        create_demo_accounts(session, XIHE_CODE)
    counts = summary.counts
    print(f"已生成演示数据：{SCALE_LABELS[config.scale]}，随机种子 {config.seed}，截至 {config.as_of.isoformat()}")
    print(f"  区划 {counts['regions']:,} 个，单位 {counts['units']:,} 个，干部 {counts['cadres']:,} 名")
    print(f"  关爱对象 {counts['persons']:,} 人（{counts['households']:,} 户），结对关系 {counts['pairings']:,} 条")
    print(f"  联系记录 {counts['contacts']:,} 条（实地走访 {summary.visits:,} 次），慰问金及物品 {summary.gifts_yuan:,} 元")
    print(f"  诉求 {counts['needs']:,} 件，提醒督办 {counts['supervision_actions']:,} 次，典型案例 {counts['typical_cases']:,} 个")
    print(f"用时 {summary.seconds:.1f} 秒")
    return 0
