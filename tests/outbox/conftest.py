"""Fixtures of the outbox tests live in outbox_helpers (a uniquely named module, so test files can
import its helpers without clashing with other folders' conftest modules)."""

from outbox_helpers import book, gateway, sessions, smtp, url  # noqa: F401
