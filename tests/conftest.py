"""Shared fixtures: databases (SQLite always, PostgreSQL when ACCORD_TEST_DATABASE_URL is set) and the
installed ``accord`` command run in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

PG_URL = os.environ.get("ACCORD_TEST_DATABASE_URL")
ACCORD_BIN = str(Path(sys.executable).with_name("accord"))


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(params=_backends())
def db_url(request, tmp_path) -> str:
    """A migrated, empty database; PostgreSQL gets a private schema that is dropped afterwards."""
    from accord.kit.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'accord.db'}"
        upgrade(url)
        yield url
        return
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = make_url(PG_URL)
    plain = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    try:
        upgrade(url)
        yield url
    finally:
        from accord.kit.db import engine_for, normalise_url

        engine_for(normalise_url(url)).dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


@pytest.fixture
def accord(tmp_path):
    """Run the installed ``accord`` command: ``accord("report", "delinquency", db=url, input=...)``."""

    def run(*args: str, db: str | None = None, input: str | None = None, env: dict | None = None,
            cwd: Path | None = None) -> CliResult:
        full_env = {**os.environ, **(env or {})}
        if db:
            full_env["ACCORD_DATABASE_URL"] = db
        proc = subprocess.run(
            [ACCORD_BIN, *args], input=input, capture_output=True, text=True,
            env=full_env, cwd=cwd or tmp_path, timeout=600,
        )
        return CliResult(proc)

    return run
