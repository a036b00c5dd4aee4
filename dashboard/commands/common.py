"""Argument parsing shared by commands."""

import argparse
import datetime as dt

from data_access.permissions import Actor

# Who acts when a command writes or exports: the operator of the server, with the whole database.
COMMAND_LINE = Actor("命令行", "admin")


def parse_date_arg(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from None
