"""Strategies for valid merchant-presented models and consumer-presented BER trees."""

from __future__ import annotations

import iso3166
from hypothesis import strategies as st

from qrpay.domain.currency import _BY_CODE
from qrpay.domain.qr.cpm import BerObject
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template

# Any character a UTF-8 QR can carry: no lone surrogates.
_TEXT = st.characters(codec="utf-8")
_ASCII_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def _text(min_size: int = 1, max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(_TEXT, min_size=min_size, max_size=max_size)


def _not_tlv(max_size: int = 20) -> st.SearchStrategy[str]:
    """Text that can never scan as TLV (it starts with a letter), so it stays primitive."""
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from("ABCXYZ"),
        st.text(_ASCII_PRINTABLE, max_size=max_size),
    )


def _ids(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


def _members(
    low: int = 0, high: int = 99, *, min_size: int = 0, max_size: int = 4
) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(
        _ids(low, high), _text(max_size=15), min_size=min_size, max_size=max_size
    )


amounts = st.one_of(
    st.integers(1, 10**12).map(str),
    st.tuples(st.integers(0, 10**9), st.integers(1, 99)).map(lambda t: f"{t[0]}.{t[1]:02d}"),
)


@st.composite
def account_templates(draw: st.DrawFn) -> Template:
    gui = draw(st.sampled_from(["A000000677010111", "br.gov.bcb.pix", "COM.EXAMPLE.WWW"]))
    members: dict[str, str | Template] = {"00": gui}
    members.update(draw(_members(1, 99)))
    return Template(members)


@st.composite
def additional_data(draw: st.DrawFn) -> Template:
    members: dict[str, str | Template] = dict(draw(_members(1, 49, max_size=3)))
    for tag in draw(st.lists(_ids(50, 99), max_size=1)):
        inner = draw(st.one_of(_members(0, 99, min_size=1, max_size=2), _not_tlv()))
        members[tag] = Template(dict(inner)) if isinstance(inner, dict) else inner
    if not members:
        members["05"] = draw(_text(max_size=25))
    return Template(members)


@st.composite
def merchant_presented_codes(draw: st.DrawFn) -> MerchantPresentedCode:
    """Valid models whose canonical payload stays within a few hundred characters."""
    objects: dict[str, str | Template] = {"00": draw(st.sampled_from(["01", "02"]))}
    optional: dict[str, st.SearchStrategy[str | Template]] = {
        "01": st.sampled_from(["11", "12"]),
        "52": st.integers(0, 9999).map(lambda n: f"{n:04d}"),
        "53": st.sampled_from(sorted(c.number for c in _BY_CODE.values())),
        "54": amounts,
        "58": st.sampled_from(sorted(iso3166.countries_by_alpha2)),
        "59": _text(max_size=25),
        "60": _text(max_size=15),
        "61": _text(max_size=10),
        "62": additional_data(),
        "64": st.builds(
            lambda lang, name: Template({"00": lang, "01": name}),
            st.sampled_from(["ZH", "TH", "VI"]),
            _text(max_size=25),
        ),
    }
    for tag, strategy in optional.items():
        if draw(st.booleans()):
            objects[tag] = draw(strategy)
    for tag in draw(st.lists(_ids(2, 25), max_size=2, unique=True)):
        objects[tag] = draw(_text(max_size=20))
    for tag in draw(st.lists(_ids(26, 51), min_size=1, max_size=2, unique=True)):
        objects[tag] = draw(account_templates())
    tip = draw(st.sampled_from([None, "01", "02", "03"]))
    if tip is not None:
        objects["55"] = tip
        if tip == "02":
            objects["56"] = draw(amounts)
        if tip == "03":
            objects["57"] = draw(st.sampled_from(["1", "2.5", "10.00", "99.99", "0.01"]))
    for tag in draw(st.lists(_ids(80, 99), max_size=2, unique=True)):
        members = draw(_members(0, 99, min_size=1, max_size=3))
        objects[tag] = Template(dict(members)) if draw(st.booleans()) else "X" + tag
    return MerchantPresentedCode(objects)


_PRIMITIVE_TAGS = st.sampled_from(["4F", "50", "57", "5A", "5F20", "5F2D", "9F25", "9F74", "9F10"])


@st.composite
def ber_objects(draw: st.DrawFn) -> tuple[BerObject, ...]:
    """A CPM data set: 85 'CPV01', then 1-2 application templates and maybe a 62."""

    def primitive() -> BerObject:
        return BerObject(draw(_PRIMITIVE_TAGS), draw(st.binary(min_size=0, max_size=40)))

    def application() -> BerObject:
        children = [primitive() for _ in range(draw(st.integers(1, 4)))]
        if draw(st.booleans()):
            children.append(BerObject.template("63", tuple(primitive() for _ in range(2))))
        return BerObject.template("61", tuple(children))

    objects = [BerObject("85", b"CPV01")]
    objects += [application() for _ in range(draw(st.integers(1, 2)))]
    if draw(st.booleans()):
        objects.append(BerObject.template("62", (primitive(),)))
    return tuple(objects)
