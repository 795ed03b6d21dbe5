"""Webhook signing secrets, derived from the key store: none is ever stored.

The secret of generation ``g`` of endpoint ``E`` is

    HMAC-SHA256(key store key "webhooks" version v, "qrpay webhook secret\\0" E "\\0" g)

32 bytes, shown to the merchant once as "whsec_" + base64 and derived again for every
attempt. The database keeps only (E, g, v) per generation, so a copy of it signs nothing;
with the PKCS#11 backend the derivation runs inside the HSM. Rotating an endpoint's secret
starts generation g + 1 under the key store's current version; the old generation keeps
signing beside it until the overlap ends. Rotating the key store's ``webhooks`` key changes
no existing secret (each generation names its version), but retiring a version breaks
every secret derived from it: rotate those endpoints' secrets first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from qrpay.adapters.keystore.base import KeyKind, KeyStore
from qrpay.domain.errors import KeyNotFound
from qrpay.domain.webhooks import EndpointId
from qrpay.services.notification_ports import SecretGeneration

WEBHOOK_KEY: Final = "webhooks"
_LABEL: Final = b"qrpay webhook secret\x00"


class WebhookSecrets:
    def __init__(self, keys: KeyStore, key_name: str = WEBHOOK_KEY) -> None:
        self._keys = keys
        self._name = key_name

    def ensure_key(self) -> None:
        """Create the ``webhooks`` key on first use (embedded mode); production creates it."""
        try:
            self._keys.current_version(self._name)
        except KeyNotFound:
            self._keys.create(self._name, KeyKind.HMAC)

    def current_version(self) -> int:
        return self._keys.current_version(self._name)

    def derive(self, endpoint_id: EndpointId, generation: int, key_version: int) -> bytes:
        assert generation >= 1
        data = _LABEL + endpoint_id.encode() + b"\x00" + str(generation).encode()
        version, secret = self._keys.hmac_sign(self._name, data, key_version)
        assert version == key_version
        return secret

    def signing(self, generations: Sequence[SecretGeneration]) -> list[bytes]:
        """The secrets that sign now, newest first (callers pass the live generations)."""
        return [self.derive(g.endpoint_id, g.generation, g.key_version) for g in generations]
