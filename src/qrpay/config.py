"""Configuration from environment variables (``QRPAY_*``), each with a default and a unit.

The embedded defaults run on a bare machine: SQLite under the data directory, the
in-process session store, secrets generated on first start and kept in the data directory
(with a line saying where). Production sets ``QRPAY_DATABASE_URL`` and ``QRPAY_REDIS_URL``
and provides the secrets itself.
"""

from __future__ import annotations

import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from qrpay.domain.qr.profiles.qrpay import DEFAULT_GUI


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QRPAY_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where embedded mode keeps its files.")
    database_url: str | None = Field(
        None, description="postgresql://... in production; unset means SQLite in data_dir."
    )
    redis_url: str | None = Field(None, description="redis://...; unset means in-process.")
    session_prefix: str = Field("qrpay:", description="Namespace of every session-store key.")
    operator_key: SecretStr | None = Field(
        None, description="Bearer key of the operator API; generated in embedded mode."
    )
    credential_pepper: SecretStr | None = Field(
        None, description="HMAC key for stored credential hashes; generated in embedded mode."
    )
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL of hosted pages.")
    qr_gui: str = Field(DEFAULT_GUI, description="GUI of the gateway's own QR template.")
    qr_template_id: str = Field("26", description="Template id (26-51) of that template.")
    request_body_bytes_max: int = Field(64 * 1024, description="Largest request body, bytes.")
    request_header_bytes_max: int = Field(
        16 * 1024, ge=1024, description="Largest block of request headers, bytes."
    )
    json_depth_max: int = Field(
        32, ge=2, le=1000, description="Deepest nesting of arrays and objects in a JSON body."
    )
    page_size_max: int = Field(100, ge=1, le=1000, description="Most items one list page holds.")
    qr_payload_chars_max: int = Field(
        1024, ge=512, le=4096, description="Longest QR payload accepted (CPM base64 is longest)."
    )
    rate_limit_per_credential_per_s: float = Field(
        50.0, gt=0, description="Steady requests a second allowed to one bearer credential."
    )
    rate_limit_per_address_per_s: float = Field(
        20.0, gt=0, description="Steady requests a second allowed to one client address."
    )
    rate_limit_burst: int = Field(
        100, ge=1, description="Requests a credential or an address may send at once."
    )
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = Field(
        (),
        description="Comma-separated addresses or CIDRs of proxies whose X-Forwarded-For "
        "is believed; empty: it never is.",
    )
    live_poll_s: float = Field(
        1.0, gt=0, le=60, description="How often a live checkout stream re-reads, seconds."
    )
    cpm_token_ttl_s: int = Field(60, ge=10, le=600, description="Consumer-presented code life.")
    idempotency_ttl_s: int = Field(24 * 3600, ge=3600, description="How long keys replay.")
    keystore_backend: Literal["software", "pkcs11"] = Field(
        "software", description="software (sealed key file) or pkcs11 (an HSM)."
    )
    keystore_file: Path | None = Field(
        None, description="Sealed key file of the software store; unset: data_dir/keys.json."
    )
    master_key: SecretStr | None = Field(
        None, description="Base64 32-byte key sealing the software store's keys."
    )
    master_key_file: Path | None = Field(
        None, description="File holding that key; neither set: data_dir/master.key, generated."
    )
    pkcs11_module: str | None = Field(None, description="Path of the PKCS#11 module (.so).")
    pkcs11_token: str | None = Field(None, description="Label of the token holding the keys.")
    pkcs11_pin: SecretStr | None = Field(None, description="User PIN of that token.")
    demo: bool = Field(
        False, description="Demo mode (`qrpay serve --demo`): webhook URLs may use http."
    )
    webhook_allow_private_networks: bool = Field(
        False,
        description="Let webhook URLs reach loopback, private and link-local addresses.",
    )
    webhook_attempt_timeout_ms: int = Field(
        10_000, ge=100, le=120_000, description="One webhook attempt, end to end."
    )
    webhook_response_bytes_max: int = Field(
        64 * 1024, ge=0, le=1024 * 1024, description="Most of a webhook response body read."
    )
    webhook_retry_horizon_s: int = Field(
        72 * 3600, ge=60, le=30 * 86_400, description="How long a failing delivery is retried."
    )
    webhook_secret_overlap_s: int = Field(
        24 * 3600, ge=0, le=30 * 86_400, description="A rotated-out secret signs this long."
    )
    business_day_timezone: str = Field("UTC", description="IANA zone of the business day.")
    business_day_cutoff: str = Field("00:00", description="Wall-clock end of a business day.")
    worker_in_process: bool | None = Field(
        None,
        description="Run the relay and webhook loops inside `qrpay serve`; unset: only in "
        "embedded mode (no QRPAY_DATABASE_URL).",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(True, description="JSON log lines (false: human-readable).")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(ip_network(part.strip()) for part in value.split(",") if part.strip())
        return value

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "qrpay.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path}"


SECRETS_FILE = "secrets.env"


def with_embedded_secrets(settings: Settings) -> tuple[Settings, Path | None]:
    """Fill missing secrets from (or into) ``<data_dir>/secrets.env``, readable by the owner only.

    Returns the settings and the file's path when it was used, so the caller can say where.
    """
    if settings.operator_key is not None and settings.credential_pepper is not None:
        return settings, None
    path = settings.data_dir / SECRETS_FILE
    values = _read_env_file(path)
    changed = False
    for name in ("operator_key", "credential_pepper"):
        if getattr(settings, name) is None and name not in values:
            values[name] = ("op_" if name == "operator_key" else "") + secrets.token_urlsafe(32)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(f"QRPAY_{k.upper()}={v}\n" for k, v in values.items())
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    update = {
        name: SecretStr(values[name])
        for name in ("operator_key", "credential_pepper")
        if getattr(settings, name) is None
    }
    return settings.model_copy(update=update), path


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, found, value = line.partition("=")
        if found and key.startswith("QRPAY_"):
            values[key.removeprefix("QRPAY_").lower()] = value
    return values
