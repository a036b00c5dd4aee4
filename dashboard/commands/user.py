"""`user add|passwd|disable|enable|unlock|list`: accounts from the command line.

Passwords are asked for twice with getpass on a terminal, or read from the first line of stdin
when it is not a terminal (for scripts: `printf 'secret123\\n' | python -m dashboard user add …`).
Never from an argument, so they do not end up in shell history.
"""

from __future__ import annotations

import getpass
import sys

from dashboard.cli import UserError
from dashboard.commands.common import COMMAND_LINE
from data_access import accounts
from data_access.db import session_scope
from data_access.scope import EVERYWHERE


def register(subparsers) -> None:
    parser = subparsers.add_parser("user", help="账号管理（新建、改密码、停用、列表）")
    actions = parser.add_subparsers(dest="user_action", required=True)

    add = actions.add_parser("add", help="新建账号（密码从终端输入或从标准输入读取）")
    add.add_argument("name", help="用户名（统一身份认证用户填写其邮箱）")
    add.add_argument("--role", required=True, choices=list(accounts.ROLE_LABELS),
                     help="admin 系统管理员 / leader 领导 / inspector 督查组 / publicity 宣传干部")
    add.add_argument("--region", default="", help="区划代码：县 6 位、乡镇 9 位；仅 admin 可省略（全部地区）")
    add.add_argument("--display-name", default=None, help="姓名")
    add.add_argument("--no-password", action="store_true", help="只通过统一身份认证（st.login）登录，不设密码")
    add.set_defaults(handler=_add)

    passwd = actions.add_parser("passwd", help="重置密码（并结束该账号的所有登录）")
    passwd.add_argument("name")
    passwd.set_defaults(handler=_passwd)

    for name, text, handler in (("disable", "停用账号（立即结束其登录）", _disable), ("enable", "启用账号", _enable),
                                ("unlock", "解除密码错误锁定", _unlock)):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("name")
        sub.set_defaults(handler=handler)

    listing = actions.add_parser("list", help="列出账号")
    listing.set_defaults(handler=_list)


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise UserError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _run(fn, *args) -> None:
    try:
        with session_scope() as session:
            fn(session, *args, actor=COMMAND_LINE)
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from None


def _add(args) -> int:
    password = None if args.no_password else read_password()
    if password is not None:
        try:
            accounts.check_password(password)
        except accounts.AccountError as exc:
            raise UserError(str(exc)) from None
    _run(accounts.create_user, args.name, args.role, args.region, password, args.display_name)
    print(f"已新建账号 {args.name}（{accounts.ROLE_LABELS[args.role]}，{args.region or '全部地区'}）。")
    return 0


def _passwd(args) -> int:
    _run(accounts.set_password, args.name, read_password())
    print(f"已重置 {args.name} 的密码，其原有登录已全部结束。")
    return 0


def _disable(args) -> int:
    _run(accounts.set_active, args.name, False)
    print(f"已停用账号 {args.name}。")
    return 0


def _enable(args) -> int:
    _run(accounts.set_active, args.name, True)
    print(f"已启用账号 {args.name}。")
    return 0


def _unlock(args) -> int:
    _run(accounts.unlock, args.name)
    print(f"已解除账号 {args.name} 的锁定。")
    return 0


def _list(_args) -> int:
    with session_scope() as session:
        frame = accounts.list_users(session, EVERYWHERE)
    if frame.empty:
        print("还没有账号。用 python -m dashboard user add NAME --role ROLE --region CODE 新建。")
        return 0
    print(frame.drop(columns=["地区"]).to_string(index=False))
    return 0
