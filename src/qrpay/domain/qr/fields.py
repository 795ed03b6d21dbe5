"""Names of EMVCo merchant-presented data objects, for people reading a decoded code."""

from __future__ import annotations

from typing import Final

_CARD_SCHEMES: Final = {
    "02": "Visa",
    "03": "Visa",
    "04": "Mastercard",
    "05": "Mastercard",
    "06": "EMVCo",
    "07": "EMVCo",
    "08": "EMVCo",
    "09": "Discover",
    "10": "Discover",
    "11": "Amex",
    "12": "Amex",
    "13": "JCB",
    "14": "JCB",
    "15": "UnionPay",
    "16": "UnionPay",
}

_TOP_LEVEL: Final = {
    "00": "Payload Format Indicator",
    "01": "Point of Initiation Method",
    "52": "Merchant Category Code",
    "53": "Transaction Currency",
    "54": "Transaction Amount",
    "55": "Tip or Convenience Indicator",
    "56": "Value of Convenience Fee Fixed",
    "57": "Value of Convenience Fee Percentage",
    "58": "Country Code",
    "59": "Merchant Name",
    "60": "Merchant City",
    "61": "Postal Code",
    "62": "Additional Data Field Template",
    "63": "CRC",
    "64": "Merchant Information - Language Template",
}

_ADDITIONAL_DATA: Final = {
    "01": "Bill Number",
    "02": "Mobile Number",
    "03": "Store Label",
    "04": "Loyalty Number",
    "05": "Reference Label",
    "06": "Customer Label",
    "07": "Terminal Label",
    "08": "Purpose of Transaction",
    "09": "Additional Consumer Data Request",
    "10": "Merchant Tax ID",
    "11": "Merchant Channel",
}

_LANGUAGE: Final = {
    "00": "Language Preference",
    "01": "Merchant Name - Alternate Language",
    "02": "Merchant City - Alternate Language",
}


def card_scheme_name(tag: str) -> str | None:
    """The card scheme that EMVCo assigns to a primitive merchant account id (02-16)."""
    return _CARD_SCHEMES.get(tag)


def field_name(path: str) -> str:
    """A readable name for a top-level id ("54") or a template member ("62.05")."""
    parent, _, child = path.rpartition(".")
    if not parent:
        return _top_level_name(path)
    if parent == "62":
        return _additional_data_name(child)
    if parent == "64":
        return _LANGUAGE.get(child, "RFU for EMVCo")
    if child == "00":
        return "Globally Unique Identifier"
    return "Payment network specific"


def _top_level_name(tag: str) -> str:
    if tag in _TOP_LEVEL:
        return _TOP_LEVEL[tag]
    scheme = _CARD_SCHEMES.get(tag)
    if scheme is not None:
        return f"Merchant Account Information ({scheme})"
    if "17" <= tag <= "51":
        return "Merchant Account Information"
    if "65" <= tag <= "79":
        return "RFU for EMVCo"
    return "Unreserved Template"


def _additional_data_name(tag: str) -> str:
    if tag in _ADDITIONAL_DATA:
        return _ADDITIONAL_DATA[tag]
    if "50" <= tag <= "99":
        return "Payment System specific template"
    return "RFU for EMVCo"
