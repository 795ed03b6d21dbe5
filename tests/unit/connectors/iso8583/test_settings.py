"""Acquirer settings come from QRPAY_ACQUIRER_* and never print the MAC key."""

from __future__ import annotations

import pytest

from qrpay.connectors.iso8583.settings import AcquirerSettings

KEY_HEX = "ab" * 32


def test_settings_build_key_config_and_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QRPAY_ACQUIRER_PORT", "9583")
    monkeypatch.setenv("QRPAY_ACQUIRER_MAC_KEY", KEY_HEX)
    monkeypatch.setenv("QRPAY_ACQUIRER_TIMEOUT_MS", "750")
    monkeypatch.setenv("QRPAY_ACQUIRER_IN_FLIGHT_MAX", "8")

    settings = AcquirerSettings()

    assert settings.port == 9583
    assert settings.config().connector_timeout_ms == 750
    assert settings.limits().in_flight_max == 8
    assert KEY_HEX not in repr(settings)
    assert KEY_HEX not in repr(settings.mac())
