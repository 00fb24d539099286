"""Fixtures of the case-workflow tests: the ``accord`` command with the case commands.

Until the lead adds ``"cases"`` to ``COMMAND_MODULES`` in ``accord/cli/main.py``, ``cli`` runs the same
``accord.cli.main.main()`` in a subprocess after registering ``accord.cli.cases`` on its app, so the
commands are still tested from the outside (exit codes, stderr, stdout JSON); once registered it is
exactly the installed ``accord`` command.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_SHIM = """
import accord.cli.main as m
if "cases" not in m.COMMAND_MODULES:
    import accord.cli.cases as c
    c.register(m.app)
m.main()
"""


def _registered() -> bool:
    from accord.cli import main

    return "cases" in main.COMMAND_MODULES


class _Result:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr

    def json(self):  # noqa: ANN201
        import json

        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


@pytest.fixture
def cli(accord, tmp_path):
    """``cli("case", "list", db=url)`` → result with ``code``, ``stdout``, ``stderr``, ``json()``."""
    if _registered():
        return accord

    def run(*args: str, db: str | None = None, input: str | None = None, env: dict | None = None):
        full_env = {**os.environ, **(env or {})}
        if db:
            full_env["ACCORD_DATABASE_URL"] = db
        proc = subprocess.run([sys.executable, "-c", _SHIM, *args], input=input, capture_output=True, text=True,
                              env=full_env, cwd=tmp_path, timeout=600)
        return _Result(proc)

    return run

