"""CRC-16/CCITT-FALSE, the checksum EMVCo puts in data object 63.

Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR. ``binascii.crc_hqx``
is exactly this CRC when seeded with 0xFFFF, and it runs in C.
"""

from __future__ import annotations

from binascii import crc_hqx

CRC_SEED = 0xFFFF


def crc16(data: bytes) -> int:
    return crc_hqx(data, CRC_SEED)


def crc16_hex(text: str) -> str:
    """The four upper-case hex digits EMVCo expects, over the UTF-8 bytes of ``text``."""
    # surrogatepass: a lone surrogate (never in a scanned code) must give a CRC, not raise.
    return f"{crc_hqx(text.encode('utf-8', 'surrogatepass'), CRC_SEED):04X}"
