"""Acquirer settings from ``QRPAY_ACQUIRER_*`` environment variables, each with a unit.

The MAC key comes from here until the key store serves network keys; it is hex, at least
32 bytes, and never printed (``SecretStr``). Unset, the connector is not configured.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from qrpay.connectors.iso8583.connection import ConnectionLimits
from qrpay.connectors.iso8583.connector import AcquirerConfig
from qrpay.connectors.iso8583.mac import SoftwareMacKey


class AcquirerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QRPAY_ACQUIRER_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Acquirer host.")
    port: int | None = Field(default=None, ge=1, le=65535, description="Acquirer port; unset: off.")
    mac_key: SecretStr | None = Field(default=None, description="MAC key, hex, 32 bytes or more.")
    acquirer_id: str = Field(default="00000000001", description="Field 32, up to 11 digits.")
    timeout_ms: int = Field(default=5_000, ge=50, description="Answer wait per request, ms.")
    in_flight_max: int = Field(default=64, ge=1, le=10_000, description="Requests in flight.")
    idle_echo_ms: int = Field(default=30_000, ge=100, description="Idle time before an echo, ms.")

    def mac(self) -> SoftwareMacKey:
        assert self.mac_key is not None, "QRPAY_ACQUIRER_MAC_KEY is not set"
        return SoftwareMacKey.from_hex(self.mac_key.get_secret_value())

    def config(self) -> AcquirerConfig:
        return AcquirerConfig(acquirer_id=self.acquirer_id, connector_timeout_ms=self.timeout_ms)

    def limits(self) -> ConnectionLimits:
        return ConnectionLimits(in_flight_max=self.in_flight_max, idle_echo_ms=self.idle_echo_ms)
