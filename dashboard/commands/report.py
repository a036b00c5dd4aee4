"""`report bulletin --month YYYY-MM [--region CODE] --out FILE.docx|FILE.xlsx`: the monthly bulletin;
`report assessment --quarter YYYYQN [--region CODE] --out FILE.xlsx|FILE.csv|FILE.docx`: the quarter's
assessment (frozen when frozen for the region, else computed now)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from dashboard.cli import UserError
from dashboard.commands.common import COMMAND_LINE
from data_access import assessment, assessment_report, bulletin, regions
from data_access.db import session_scope
from data_access.policy import load_policy
from data_access.scope import Scope


def _month(value: str) -> tuple[int, int]:
    try:
        day = dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{value}") from None
    return day.year, day.month


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="生成报告（月通报）")
    kinds = parser.add_subparsers(dest="report_kind", required=True)
    monthly = kinds.add_parser("bulletin", help="月通报：Word 通报或 Excel 数据")
    monthly.add_argument("--month", required=True, type=_month, help="通报月份 YYYY-MM")
    monthly.add_argument("--region", help="区划代码（默认全部）")
    monthly.add_argument("--out", required=True, type=Path, help="输出文件 .docx 或 .xlsx")
    monthly.set_defaults(handler=_bulletin)
    quarterly = kinds.add_parser("assessment", help="季考核：每个工作单位一行（Excel 另含乡镇表），或 Word 通报")
    quarterly.add_argument("--quarter", required=True, type=_quarter, help="考核季度 YYYYQN，如 2026Q3")
    quarterly.add_argument("--region", help="区划代码（默认全部）")
    quarterly.add_argument("--out", required=True, type=Path, help="输出文件 .xlsx、.csv 或 .docx")
    quarterly.set_defaults(handler=_assessment)


def _quarter(value: str) -> assessment.Quarter:
    try:
        return assessment.Quarter.parse(value)
    except assessment.QuarterError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# The command line is the operator's own tool: it acts with the whole database in view.



def _assessment(args) -> int:
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in assessment_report.FORMATS:
        raise UserError(f"输出文件应以 .xlsx、.csv 或 .docx 结尾：{args.out}")
    with session_scope() as session:
        if args.region and regions.get(session, args.region) is None:
            raise UserError(f"区划代码 {args.region} 不存在")
        data = assessment_report.export(session, args.region, args.quarter, load_policy(session), fmt, actor=COMMAND_LINE)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    print(f"已生成{args.quarter.label}考核结果：{args.out}")
    return 0


def _bulletin(args) -> int:
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in bulletin.FORMATS:
        raise UserError(f"输出文件应以 .docx 或 .xlsx 结尾：{args.out}")
    year, month = args.month
    with session_scope() as session:
        if args.region and regions.get(session, args.region) is None:
            raise UserError(f"区划代码 {args.region} 不存在")
        try:
            data = bulletin.export(session, Scope.for_region(args.region), args.region, year, month,
                                   load_policy(session), fmt, actor=COMMAND_LINE)
        except bulletin.BulletinMonthError as exc:
            raise UserError(str(exc)) from None
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    print(f"已生成{year}年{month}月通报：{args.out}")
    return 0
