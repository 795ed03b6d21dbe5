"""Credentials: merchant API keys and wallet tokens, stored only as keyed hashes.

A secret is shown once, when it is issued. What is stored is HMAC-SHA256 under the
server's credential pepper, so a copy of the database alone cannot be used to log in, and
lookups compare hashes (an index lookup), never secrets.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from qrpay.domain.ids import ApiKeyId, MerchantId, WalletId

API_KEY_PREFIX: Final = "sk_"
WALLET_TOKEN_PREFIX: Final = "wt_"
SECRET_CHARS_MIN: Final = 20
SECRET_CHARS_MAX: Final = 200


def credential_hash(secret: str, pepper: bytes) -> str:
    return hmac.new(pepper, secret.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: ApiKeyId
    merchant_id: MerchantId
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WalletToken:
    id: str
    wallet_id: WalletId
    token_hash: str
    created_at: datetime
    expires_at: datetime | None = None
