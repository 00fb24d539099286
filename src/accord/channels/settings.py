"""Channel settings (environment prefix ``ACCORD_``), kept beside the adapters that read them.

SMTP values come from the application ``Settings`` (contracts.md names them); everything else here:

| variable | meaning |
|---|---|
| ACCORD_SMTP_CA_FILE | CA bundle to verify the SMTP server's certificate (self-signed relays) |
| ACCORD_EMAIL_ADAPTER / _SMS_ADAPTER / _PUSH_ADAPTER / _LETTER_ADAPTER | adapter name per channel |
| ACCORD_SMS_GATEWAY_URL | URL the HTTP gateway adapter POSTs to |
| ACCORD_SMS_GATEWAY_AUTH_HEADER | "Header-Name: value", e.g. "Authorization: Bearer abc" |
| ACCORD_SMS_GATEWAY_USER / _PASSWORD | HTTP basic auth instead of a header |
| ACCORD_SMS_GATEWAY_PAYLOAD | JSON payload template; string leaves may use $to $text $sender $idempotency_key $lang $callback_url |
| ACCORD_SMS_GATEWAY_ID_FIELD | dotted path of the provider's message id in the JSON answer |
| ACCORD_SMS_SENDER | sender id / short code |
| ACCORD_SMPP_HOST / _PORT / _SYSTEM_ID / _PASSWORD / _SYSTEM_TYPE / _SOURCE_ADDR | SMPP bind |
| ACCORD_PUSH_WEBHOOK_URL / _AUTH_HEADER / _SIGNING_SECRET / _FORMAT (fcm or plain) | push webhook |
| ACCORD_LETTER_DIR, ACCORD_CJK_FONT | where PDF letters go, the CJK TrueType font |
| ACCORD_SPOOL_DIR | folder of the "spool" adapter (JSON lines, for demos) |
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SMS_PAYLOAD = ('{"to": "$to", "from": "$sender", "text": "$text", '
                       '"reference": "$idempotency_key"}')


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_", env_file=".env", extra="ignore")

    email_adapter: str = "smtp"
    sms_adapter: str = "http_gateway"
    push_adapter: str = "webhook"
    letter_adapter: str = "pdf"

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 30.0
    smtp_ca_file: Path | None = None
    mail_from: str = "accord@localhost"

    sms_gateway_url: str | None = None
    sms_gateway_auth_header: str | None = None
    sms_gateway_user: str | None = None
    sms_gateway_password: str | None = None
    sms_gateway_payload: str = DEFAULT_SMS_PAYLOAD
    sms_gateway_id_field: str = "id"
    sms_gateway_idempotency_header: str = "Idempotency-Key"
    sms_gateway_timeout: float = 10.0
    sms_callback_url: str = ""
    sms_sender: str = "Accord"

    smpp_host: str = "localhost"
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: str = ""
    smpp_system_type: str = ""
    smpp_source_addr: str = "Accord"
    smpp_timeout: float = 10.0

    push_webhook_url: str | None = None
    push_auth_header: str | None = None
    push_signing_secret: str | None = None
    push_format: str = "fcm"
    push_timeout: float = 10.0

    letter_dir: Path = Path("letters")
    cjk_font: Path | None = None
    spool_dir: Path = Path("outbox-spool")


def get_channel_settings() -> ChannelSettings:
    """Fresh settings each call: adapters are built rarely, and tests change the environment."""
    return ChannelSettings()
