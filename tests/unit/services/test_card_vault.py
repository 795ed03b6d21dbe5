"""Tokenisation: same card, same token; the number stored only sealed; reveal for connectors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qrpay.adapters.keystore.base import KeyKind
from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.domain.cards import CardNumber, CardToken
from qrpay.domain.errors import CardTokenUnknown, DecryptionFailed
from qrpay.services.card_vault import DATA_KEY, TOKEN_KEY, CardTokens
from tests.fakes.card_vault import InMemoryCardVault

VISA = CardNumber.parse("4111111111111111")
MASTERCARD = CardNumber.parse("5555555555554444")


@pytest.fixture
def keys() -> SoftwareKeyStore:
    store = SoftwareKeyStore(bytes(range(32)), path=None)
    store.create(TOKEN_KEY, KeyKind.HMAC)
    store.create(DATA_KEY, KeyKind.AES_GCM)
    return store


@pytest.fixture
def vault() -> InMemoryCardVault:
    return InMemoryCardVault()


async def test_the_same_card_gives_the_same_token_and_one_row(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    tokens = CardTokens(keys, vault)

    first = await tokens.tokenise(VISA)
    again = await tokens.tokenise(VISA)
    other = await tokens.tokenise(MASTERCARD)

    assert first == again
    assert first.token != other.token
    assert first.token.startswith("ct_1_")
    assert len(first.token) == len("ct_1_") + 32
    assert first.masked == "411111******1111"
    assert len(vault.rows) == 2


async def test_the_vault_holds_the_number_only_sealed(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    token = (await CardTokens(keys, vault).tokenise(VISA)).token

    row = vault.rows[token]
    assert VISA.digits not in repr(row)
    assert VISA.digits.encode() not in row.sealed
    assert VISA.digits not in token


async def test_reveal_gives_the_number_back(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    tokens = CardTokens(keys, vault)
    token = (await tokens.tokenise(VISA)).token

    assert (await tokens.reveal(token)).digits == VISA.digits
    with pytest.raises(CardTokenUnknown):
        await tokens.reveal(CardToken("ct_1_unknown"))


async def test_a_sealed_number_moved_to_another_token_does_not_decrypt(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    tokens = CardTokens(keys, vault)
    visa = (await tokens.tokenise(VISA)).token
    other = (await tokens.tokenise(MASTERCARD)).token

    vault.rows[other] = replace(vault.rows[other], sealed=vault.rows[visa].sealed)

    with pytest.raises(DecryptionFailed):
        await tokens.reveal(other)


async def test_a_known_card_keeps_its_token_after_the_token_key_rotates(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    # given a card tokenised under version 1
    tokens = CardTokens(keys, vault)
    before = await tokens.tokenise(VISA)
    # when the token key rotates, then the card is matched under version 1 still
    keys.rotate(TOKEN_KEY)
    assert await tokens.tokenise(VISA) == before
    assert (await tokens.tokenise(MASTERCARD)).token.startswith("ct_2_")
    # when version 1 is retired, then the card gets a version 2 token
    keys.retire(TOKEN_KEY, 1)
    assert (await tokens.tokenise(VISA)).token.startswith("ct_2_")


async def test_a_number_sealed_before_the_data_key_rotated_still_reveals(
    keys: SoftwareKeyStore, vault: InMemoryCardVault
) -> None:
    tokens = CardTokens(keys, vault)
    token = (await tokens.tokenise(VISA)).token

    keys.rotate(DATA_KEY)

    assert (await tokens.reveal(token)).digits == VISA.digits
