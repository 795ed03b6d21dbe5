"""Card tokenisation: card numbers become tokens on entry and are revealed only to connectors.

The token is an HMAC of the number under the ``card-tokens`` key (so the same card always
gives the same token, and a payment can be matched to a card without holding the number);
the number itself is stored only encrypted under the ``card-data`` key, with the token as
associated data, so a sealed number copied onto another token's row does not decrypt.

After the token key rotates, a card seen before keeps the token it had: tokenising tries
each unretired version, newest first, before minting one under the current version.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Final, Protocol

from qrpay.adapters.keystore.base import KeyStore
from qrpay.domain.cards import CardNumber, CardToken
from qrpay.domain.errors import CardTokenUnknown, KeyNotFound, KeyRetired

TOKEN_KEY: Final = "card-tokens"
DATA_KEY: Final = "card-data"
TOKEN_MAC_BYTES: Final = 20
"""160 bits of the MAC: collisions are out of reach for any number of cards."""


@dataclass(frozen=True, slots=True)
class StoredCard:
    token: CardToken
    masked: str
    sealed: bytes
    """The card number under the data key; the blob names its key version."""


class CardVault(Protocol):
    """Storage port: one row per token. ``add`` of a token already there changes nothing."""

    async def add(self, card: StoredCard) -> None: ...

    async def find(self, token: CardToken) -> StoredCard | None: ...


@dataclass(frozen=True, slots=True)
class TokenisedCard:
    token: CardToken
    masked: str


class CardTokens:
    def __init__(self, keys: KeyStore, vault: CardVault) -> None:
        self._keys = keys
        self._vault = vault

    async def tokenise(self, card: CardNumber) -> TokenisedCard:
        current = self._keys.current_version(TOKEN_KEY)
        for version in range(current, 0, -1):
            token = self._token(card, version)
            if token is None:
                continue  # a retired version: its tokens are no longer matched
            stored = await self._vault.find(token)
            if stored is not None:
                return TokenisedCard(stored.token, stored.masked)
        token = self._token(card, current)
        assert token is not None
        sealed = self._keys.encrypt(DATA_KEY, card.digits.encode(), token.encode())
        await self._vault.add(StoredCard(token, card.masked, sealed))
        return TokenisedCard(token, card.masked)

    async def reveal(self, token: CardToken) -> CardNumber:
        """The whole number, for the connector that sends it to the network. Nothing else."""
        stored = await self._vault.find(token)
        if stored is None:
            raise CardTokenUnknown(f"no card with token {token!r}")
        digits = self._keys.decrypt(DATA_KEY, stored.sealed, token.encode())
        return CardNumber(digits.decode())

    def _token(self, card: CardNumber, version: int) -> CardToken | None:
        try:
            used, mac = self._keys.hmac_sign(TOKEN_KEY, card.digits.encode(), version)
        except (KeyRetired, KeyNotFound):
            return None
        text = base64.b32encode(mac[:TOKEN_MAC_BYTES]).decode().lower()
        return CardToken(f"ct_{used}_{text}")
