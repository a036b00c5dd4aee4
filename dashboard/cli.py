"""`python -m dashboard …`: one argparse tree; each command lives in dashboard/commands/<name>.py
with `register(subparsers)` that adds its parser and sets `handler(args) -> int`.

Errors a user can cause end as one Chinese line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

COMMAND_MODULES = ("db", "demo", "stats", "importing", "user", "export", "report")


class UserError(Exception):
    """A problem with the user's input, told in Chinese; exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="结对关爱督导台 命令行工具")
    parser.add_argument("--db", metavar="URL", help="数据库地址（覆盖环境变量 DATABASE_URL）")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"dashboard.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.db:
        os.environ["DATABASE_URL"] = args.db
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
