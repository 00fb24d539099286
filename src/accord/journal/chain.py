"""Pure hashing of journal entries. An entry's hash covers its sequence number, time, actor, kind,
subject ids, payload and the previous entry's hash, so editing, deleting or reordering any row breaks
the chain at that row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from accord.kit.crypto import canonical_json, sha256_hex

GENESIS = "0" * 64


def at_text(at: datetime) -> str:
    """The canonical text of a timestamp: UTC, microseconds, ``Z``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(seq: int, at: datetime, actor: str, kind: str, loan_id: str | None,
               borrower_id: str | None, subject: str | None, payload: str, prev_hash: str) -> str:
    return sha256_hex(canonical_json({
        "seq": seq, "at": at_text(at), "actor": actor, "kind": kind, "loan_id": loan_id,
        "borrower_id": borrower_id, "subject": subject, "payload": payload, "prev": prev_hash,
    }))


@dataclass(frozen=True)
class Break:
    """Where a chain stops being intact."""

    seq: int
    reason: str


def check_chain(rows, start_prev: str = GENESIS, start_seq: int = 1) -> tuple[int, Break | None]:
    """Walk rows (objects with the journal columns, in ``seq`` order). Returns (count, first break)."""
    prev, expected_seq, count = start_prev, start_seq, 0
    for row in rows:
        if row.seq != expected_seq:
            return count, Break(expected_seq, f"entry {expected_seq} is missing (next present is {row.seq})")
        if row.prev_hash != prev:
            return count, Break(row.seq, f"entry {row.seq} does not link to entry {row.seq - 1} (previous hash differs)")
        recomputed = entry_hash(row.seq, row.at, row.actor, row.kind, row.loan_id, row.borrower_id,
                                row.subject, row.payload, row.prev_hash)
        if recomputed != row.hash:
            return count, Break(row.seq, f"entry {row.seq} was altered (its content no longer matches its hash)")
        prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    return count, None


def digest_lines(lines) -> str:  # noqa: ANN001
    """SHA-256 over sorted ``id:hash`` lines: how a batch event commits to every row it wrote."""
    return sha256_hex("\n".join(sorted(lines)))
