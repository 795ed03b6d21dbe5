"""An in-memory card vault: the storage port's contract, with nothing stored on disk."""

from __future__ import annotations

from qrpay.domain.cards import CardToken
from qrpay.services.card_vault import StoredCard


class InMemoryCardVault:
    def __init__(self) -> None:
        self.rows: dict[CardToken, StoredCard] = {}

    async def add(self, card: StoredCard) -> None:
        self.rows.setdefault(card.token, card)

    async def find(self, token: CardToken) -> StoredCard | None:
        return self.rows.get(token)
