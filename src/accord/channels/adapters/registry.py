"""Which adapter serves a channel: entry points in group ``accord.channels`` (plugins from other
packages), with a built-in table as fallback, chosen by settings (``ACCORD_SMS_ADAPTER=smpp``)."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from accord.channels.adapters.base import AdapterConfigError, ChannelAdapter

ENTRY_POINT_GROUP = "accord.channels"

BUILTIN_ADAPTERS: dict[str, str] = {
    "smtp": "accord.channels.adapters.email_smtp:SmtpEmailAdapter",
    "http_gateway": "accord.channels.adapters.sms_http:HttpGatewaySmsAdapter",
    "smpp": "accord.channels.adapters.sms_smpp:SmppSmsAdapter",
    "webhook": "accord.channels.adapters.push_webhook:WebhookPushAdapter",
    "pdf": "accord.channels.adapters.letter_pdf:PdfLetterAdapter",
    "spool": "accord.channels.adapters.spool:SpoolAdapter",
}

# Setting that names the adapter for each channel.
CHANNEL_SETTING = {"email": "email_adapter", "sms": "sms_adapter", "push": "push_adapter",
                   "letter": "letter_adapter"}


def _load(spec: str) -> type[ChannelAdapter]:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def available_adapters() -> dict[str, str]:
    """Adapter name -> "module:Class"; entry points win over the built-in table."""
    found = dict(BUILTIN_ADAPTERS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return found


def adapter_class(name: str) -> type[ChannelAdapter]:
    spec = available_adapters().get(name)
    if spec is None:
        raise AdapterConfigError(
            f"unknown channel adapter {name!r} (known: {', '.join(sorted(available_adapters()))})")
    cls = _load(spec)
    if not (isinstance(cls, type) and issubclass(cls, ChannelAdapter)):
        raise AdapterConfigError(f"adapter {name!r} ({spec}) is not a ChannelAdapter")
    return cls


def adapter_for(channel: str, settings=None) -> ChannelAdapter:
    """The configured adapter for ``channel`` (email, sms, push, letter), built from settings."""
    from accord.channels.settings import get_channel_settings

    if channel not in CHANNEL_SETTING:
        raise AdapterConfigError(
            f"no adapter setting for channel {channel!r} (use {', '.join(CHANNEL_SETTING)})")
    settings = settings or get_channel_settings()
    name = getattr(settings, CHANNEL_SETTING[channel])
    cls = adapter_class(name)
    if cls.channel not in (channel, "*"):
        raise AdapterConfigError(f"adapter {name!r} sends {cls.channel}, not {channel}")
    return cls.from_settings(settings)
