"""A "spool" adapter for demos and dry runs: appends each message as one JSON line to
``<ACCORD_SPOOL_DIR>/<channel>.jsonl`` instead of sending it. Works for any channel."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from pathlib import Path

from accord.channels.adapters.base import ChannelAdapter, OutboundMessage, Receipt, receipt


class SpoolAdapter(ChannelAdapter):
    channel = "*"
    name = "spool"

    def __init__(self, folder: Path | str = "outbox-spool"):
        self.folder = Path(folder)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> SpoolAdapter:
        return cls(settings.spool_dir)

    def send(self, message: OutboundMessage) -> Receipt:
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(message), ensure_ascii=False, default=str)
        with self._lock, open(self.folder / f"{message.channel}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return receipt(f"spool:{message.idempotency_key}", "sent", {"folder": str(self.folder)})
