"""`import FILE [--dry-run] [--keep-valid --rejects OUT.xlsx]`: take in an exchange workbook (.xlsx,
.csv, a .zip or a folder of .csv). Prints the problems, one per line (the first of each sheet and
column, the rest counted); exit code 1 when there is
any problem (nothing stored unless --keep-valid), 2 when the file itself cannot be read."""

from __future__ import annotations

from pathlib import Path

from dashboard.cli import UserError
from dashboard.commands.common import COMMAND_LINE
from data_access import imports
from data_access.config import get_settings
from data_access.db import session_scope
from data_access.policy import load_policy


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="导入交换工作簿（.xlsx、CSV 文件夹或 .zip）")
    parser.add_argument("file", type=Path, help="工作簿 .xlsx、单个 .csv、.zip 或 CSV 文件夹")
    parser.add_argument("--dry-run", action="store_true", help="只检查并报告将新增/更新多少行，不写入")
    parser.add_argument("--keep-valid", action="store_true", help="有错误时仍导入无误的行（须同时给出 --rejects）")
    parser.add_argument("--rejects", type=Path, metavar="OUT.xlsx", help="有错误的行写入该工作簿（加“错误”列）")
    parser.set_defaults(handler=_run)


def _run(args) -> int:
    if args.keep_valid and not args.rejects:
        raise UserError("使用 --keep-valid 时须用 --rejects OUT.xlsx 指定有错误的行写到哪里")
    if args.rejects and args.rejects.suffix.lower() != ".xlsx":
        raise UserError(f"--rejects 的文件应以 .xlsx 结尾：{args.rejects}")
    try:
        book = imports.read_path(args.file, get_settings().upload_limit_mb)
    except imports.ImportFileError as exc:
        raise UserError(str(exc)) from None
    # The URL is passed explicitly: `session_scope()` without one keeps the first URL a process used.
    try:
        with session_scope(get_settings().database_url) as session:
            result = imports.run_import(
                session, book, actor=COMMAND_LINE, policy=load_policy(session), dry_run=args.dry_run,
                keep_valid=args.keep_valid,
            )
    except imports.ImportBusyError as exc:
        raise UserError(str(exc)) from None
    shown, rest = imports.listed_problems(result.problems)
    for problem in shown:
        print(problem.line())
    if rest:
        print(rest)
    if result.ignored_sheets:
        print(f"已忽略（不是导入模板中的工作表）：{'、'.join(result.ignored_sheets)}")
    print(result.summary())
    if result.rejects and args.rejects:
        args.rejects.write_bytes(result.rejects)
        print(f"有错误的 {sum(c.rejected for c in result.counts.values())} 行已写入 {args.rejects}，改正后可再次导入。")
    if args.dry_run:
        verdict = "检查完成（未写入）" + (f"：发现 {len(result.problems)} 个问题" if result.problems else "：没有问题")
    elif result.outcome == imports.OUTCOME_REFUSED:
        verdict = f"导入被拒绝：发现 {len(result.problems)} 个问题，没有写入任何数据"
    elif result.problems:
        verdict = f"已导入无误的行；{len(result.problems)} 个问题所在的行未导入"
    else:
        verdict = f"导入成功（用时 {result.seconds:.1f} 秒）"
    print(verdict)
    return 1 if result.problems else 0
