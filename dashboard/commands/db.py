"""`db upgrade`: create or migrate the schema."""

from data_access import db


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="数据库结构")
    actions = parser.add_subparsers(dest="db_action", required=True)
    upgrade = actions.add_parser("upgrade", help="创建或升级数据库结构")
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(_args) -> int:
    db.upgrade()
    print("数据库结构已是最新。")
    return 0
