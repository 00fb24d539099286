"""Pure hashing of journal entries. An entry's hash covers its sequence number, time, actor, kind,
subject ids, payload and the previous entry's hash, so editing, deleting or reordering any row breaks
the chain at that row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring

from accord.kit.crypto import _default, canonical_json, sha256_hex

GENESIS = "0" * 64

# ``canonical_json`` with its encoder built once: ``json.dumps`` with options builds a new encoder on
# every call, a third of the cost of journalling 100,000 small payloads. Same options, same output.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)
payload_json = _CANONICAL.encode


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


def json_value(value: object) -> str:
    """One value as ``canonical_json`` writes it inside an object: a string through the same (C)
    string encoder ``json.dumps(..., ensure_ascii=False)`` uses, ``None`` as null, an int as its digits."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return encode_basestring(value)
    if type(value) is int:
        return int.__repr__(value)  # what the encoder writes for an int (a bool is not one here)
    return _CANONICAL.encode(value)


def object_json(*keys: str, encoded: tuple[str, ...] = ()):  # noqa: ANN201 - returns the writer
    """A writer of ``canonical_json`` for objects with exactly these keys: ``write(*values)`` with
    the values in the order the keys are given, each as ``json_value`` writes it, except those of the
    keys in ``encoded``, which arrive as canonical JSON already (a list encoded once for many entries).

    For payloads written 100,000 times a run, the writer is generated once per shape (as
    ``collections.namedtuple`` does): one expression joining the sorted, pre-encoded keys with the
    values, text going straight to the string encoder."""
    names = [f"v{i}" for i in range(len(keys))]
    parts = []
    for n, i in enumerate(sorted(range(len(keys)), key=lambda i: keys[i])):
        v = names[i]
        parts.append(repr(("," if n else "") + json_value(keys[i]) + ":"))
        parts.append(v if keys[i] in encoded else f"(enc({v}) if type({v}) is str else j({v}))")
    source = f"def write({', '.join(names)}):\n    return ''.join(({', '.join([repr('{'), *parts, repr('}')])}))\n"
    scope = {"enc": encode_basestring, "j": json_value}
    exec(source, scope)  # noqa: S102 - the source is built from this function's own fixed text and repr()s
    return scope["write"]


def chain_hashes(start_seq: int, prev: str, at: datetime, actor: Sequence, kind: Sequence, loan_id: Sequence,
                 borrower_id: Sequence, subject: Sequence, payload: Sequence[str]) -> list[str]:
    """``entry_hash`` of consecutive entries ``start_seq, start_seq + 1, ...`` sharing one time, the
    first linking to ``prev``: the envelope's canonical JSON is written directly (its keys are fixed
    and already in sorted order) instead of through ``json.dumps`` per entry. Byte-identical to
    ``entry_hash`` (tests/journal prove it for arbitrary text); the columns are equal-length sequences."""
    at_json = json_value(at_text(at))
    out: list[str] = []
    append, sha256, j, enc = out.append, hashlib.sha256, json_value, encode_basestring
    repeated: dict[str, str] = {}  # actors and kinds repeat: encode each once

    def once(v: object) -> str:
        if type(v) is not str:
            return j(v)
        got = repeated.get(v)
        if got is None:
            got = repeated[v] = enc(v)
        return got

    seq = start_seq
    for a, k, lid, bid, sub, p in zip(actor, kind, loan_id, borrower_id, subject, payload, strict=True):
        # Most values are text: the encoder directly; json_value for the rest (None, numbers ...).
        envelope = (f'{{"actor":{once(a)},"at":{at_json},'
                    f'"borrower_id":{enc(bid) if type(bid) is str else j(bid)},"kind":{once(k)},'
                    f'"loan_id":{enc(lid) if type(lid) is str else j(lid)},'
                    f'"payload":{enc(p) if type(p) is str else j(p)},'
                    f'"prev":{enc(prev) if type(prev) is str else j(prev)},"seq":{seq},'
                    f'"subject":{enc(sub) if type(sub) is str else j(sub)}}}')
        prev = sha256(envelope.encode()).hexdigest()
        append(prev)
        seq += 1
    return out


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
