"""The ``accord outbox`` / ``accord inbound`` commands, run from the outside in a subprocess.

Until ``outbox`` is in ``accord.cli.main.COMMAND_MODULES`` the command is run as ``python -c`` with the
module registered on the real app (same entry point, same error handling)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from accord.kit.db import session_scope
from accord.outbox.service import OutboxItem, enqueue

RUNNER = ("import sys; from accord.cli import main as m, outbox as o\n"
          "'outbox' in m.COMMAND_MODULES or o.register(m.app)\n"
          "sys.argv[0] = 'accord'; m.main()")


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr

    def json(self):
        import json

        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


@pytest.fixture
def cli(url, tmp_path):
    def run(*args: str, env: dict | None = None) -> CliResult:
        proc = subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, cwd=tmp_path,
                              env={**os.environ, "ACCORD_DATABASE_URL": url, **(env or {})}, timeout=300)
        return CliResult(proc)

    return run


def test_inbound_reply_prints_classification_and_actions_as_json(cli):
    res = cli("inbound", "reply", "--channel", "sms", "--from", "+8613800000001", "--at", "2026-03-18T10:00:00+08:00",
              "我下周五还500", "--format", "json")
    assert res.code == 0, res
    data = res.json()
    assert (data["intent"], data["amount"], data["date"], data["lang"]) == ("promise_to_pay", "500.00", "2026-03-27", "zh")
    assert data["borrower_id"] == "B1" and [a["action"] for a in data["actions"]] == ["record_promise"]
    assert data["actions"][0]["journal"] == "reply.promise"
    res = cli("outbox", "timeline", "B1", "--format", "json")
    assert res.code == 0 and any(i["type"] == "reply" for i in res.json())


def test_inbound_reply_errors(cli):
    res = cli("inbound", "reply", "--from", "+10000000000", "hello")
    assert res.code == 1 and "no borrower has the sms address +10000000000" in res.stderr and not res.stdout
    res = cli("inbound", "reply", "--from", "+8613800000001", "--at", "2026-03-18T10:00:00", "hi")
    assert res.code == 2 and "--at" in res.stderr and "naive" in res.stderr
    res = cli("inbound", "reply", "--channel", "fax", "--from", "+8613800000001", "hi")
    assert res.code == 2 and "--channel" in res.stderr
    assert "Traceback" not in res.stderr


def test_work_status_and_retry_parked(cli, url, gateway):
    with session_scope(url) as s:
        enqueue(s, [OutboxItem("ok", "B1", "sms", "+8613800000001", "【安信借】您的账单已到期，请及时还款。", loan_id="L1"),
                    OutboxItem("bad", "B1", "sms", "+8613800000001", "【安信借】再不还钱就立案抓捕你。", loan_id="L1")])
    gw = {"ACCORD_SMS_GATEWAY_URL": f"{gateway.url}/send"}
    res = cli("outbox", "status", "--format", "json")
    assert res.code == 0 and res.json()["by_status"]["queued"] == 2
    res = cli("outbox", "work", "--worker", "cli-1", "--channel", "sms", "--once", "--format", "json", env=gw)
    assert res.code == 0, res
    tally = res.json()
    assert tally["worker"] == "cli-1" and tally["claimed"] == 2
    # The real clock decides the time window (CN: 08:00-22:00 Shanghai): either both were blocked at
    # night, or the clean one went and the threatening one was blocked by the content check.
    assert tally["sent"] + tally["blocked"] == 2 and tally["blocked"] >= 1
    assert len(gateway.keys()) == tally["sent"]
    res = cli("outbox", "status", "--format", "json")
    assert res.json()["by_channel"]["sms"].get("blocked") == tally["blocked"]
    res = cli("outbox", "retry-parked", "--format", "json")
    assert res.code == 0 and res.json() == {"requeued": []}
    res = cli("outbox", "status")
    assert res.code == 0 and "sms" in res.stdout


def test_work_without_a_configured_adapter_is_a_reported_problem(cli):
    res = cli("outbox", "work", "--worker", "w", "--channel", "sms", "--once", env={"ACCORD_SMS_GATEWAY_URL": ""})
    assert res.code == 1 and "sms adapter is not configured" in res.stderr
    res = cli("outbox", "work", "--worker", "w", "--rate", "sms=fast", "--once")
    assert res.code == 2 and "--rate" in res.stderr
