"""Create the database named in DATABASE_URL if it does not exist yet (idempotent)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
import psycopg
from psycopg import sql


def main() -> None:
    # The same .env the settings read, so both agree on which database is meant.
    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigsy")
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    try:
        with psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    except psycopg.OperationalError as exc:
        sys.exit(f"PostgreSQL is not reachable at {url}: {exc}")


if __name__ == "__main__":
    main()
