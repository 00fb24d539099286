"""One Settings object for the whole application (environment prefix ``ACCORD_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///accord.db"
    # Time zone used for business days (journal timestamps are UTC; contact windows use the borrower's zone).
    business_timezone: str = "Asia/Shanghai"
    # Optional YAML file with per-product configuration (bucket bounds, waterfall, caps).
    products_file: Path | None = None
    # Optional YAML file overriding compliance-pack parameters.
    policy_overrides_file: Path | None = None
    # Optional strategy file for the daily run (default: the shipped ladder).
    strategy_file: Path | None = None
    # Model registry (folder with champions.json); when it holds a champion for ``risk_target``, the
    # daily run scores the book with it and the strategy's score bands come from its probabilities.
    model_registry: Path | None = None
    risk_target: str = "roll"
    # Key for column encryption of personal data (national id); 32 bytes, base64. Dev default only.
    data_key: str = "YWNjb3JkLWRldmVsb3BtZW50LWtleS0wMDAwMDAwMDA="

    # Channel settings (SMTP, SMS gateway, SMPP, push, letters) live beside their adapters:
    # accord.channels.settings.ChannelSettings, same ACCORD_ prefix.


@lru_cache
def get_settings() -> Settings:
    return Settings()
