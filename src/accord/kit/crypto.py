"""Column encryption for personal data (AES-GCM) and hashing helpers for the evidence journal."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import date, datetime
from decimal import Decimal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text, TypeDecorator

from accord.config import get_settings


def _key() -> bytes:
    key = base64.b64decode(get_settings().data_key)
    if len(key) not in (16, 24, 32):
        raise ValueError("ACCORD_DATA_KEY must be 16, 24 or 32 bytes, base64-encoded")
    return key


def encrypt(plain: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_key()).encrypt(nonce, plain.encode(), None)).decode()


def decrypt(token: str) -> str:
    raw = base64.b64decode(token)
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], None).decode()


class Encrypted(TypeDecorator):
    """Text encrypted at rest with AES-GCM (national id numbers and similar)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)


def _default(o: object) -> object:
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return format(o, "f")
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def canonical_json(obj: object) -> str:
    """Deterministic JSON (sorted keys, no spaces, UTF-8) so a hash can be recomputed anywhere."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def sha256_hex(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def file_sha256(path) -> str:  # noqa: ANN001
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
