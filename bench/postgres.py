"""The province-scale targets on PostgreSQL: make a database on the server, build the province demo
in it (the same seed as the SQLite bench, so the same data), run bench.scale's import and page
targets on it, and drop the database.

    .venv/bin/python -m bench.postgres [--server URL] [--keep] [--pages-only 工作总览 …] [--no-pages]

`--server` is a connection URL to the server's maintenance database (default
postgresql://postgres@127.0.0.1:5432/postgres, as in CI). `--keep` keeps the database
(bench_province) for the next run, which then skips the build (several minutes). The DuckDB and
pandas side-by-side figures are measured on SQLite only (DuckDB runs the project's SQLite SQL).
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
NAME = "bench_province"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description="在 PostgreSQL 上测省级规模目标")
    parser.add_argument("--server", default=DEFAULT_SERVER, help=f"PostgreSQL 服务器（默认 {DEFAULT_SERVER}）")
    parser.add_argument("--keep", action="store_true", help=f"测完保留数据库 {NAME}（下次不必重建）")
    args, rest = parser.parse_known_args(argv)
    server = make_url(args.server.replace("postgresql://", "postgresql+psycopg://", 1))
    url = server.set(database=NAME).render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": NAME})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{NAME}"'))
            print(f"已建数据库 {NAME}", flush=True)
    started = time.perf_counter()
    try:
        from bench import scale
        from bench.__main__ import DEFAULT_SEED, ensure_demo

        ensure_demo(url, DEFAULT_SEED, False)
        print(f"省级演示数据就绪：{time.perf_counter() - started:.0f} 秒", flush=True)
        return scale.main(["--db", url, "--no-side-by-side", *rest])
    finally:
        from data_access import db

        db.get_engine(url).dispose()
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)'))
            print(f"已删除数据库 {NAME}")
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
