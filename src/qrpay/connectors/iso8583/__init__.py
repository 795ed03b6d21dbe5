"""The card acquirer network: ISO 8583:1987 (ASCII, binary bitmaps) over TCP.

``spec`` holds the field table, ``messages`` builds and reads messages (pure), ``framing``
cuts the byte stream into frames, ``mac`` signs and checks them, ``stan`` hands out trace
numbers, ``connection`` keeps the link, ``reversals`` takes back unknown outcomes and
``connector`` puts them behind the connector contract. ``docs/iso8583.md`` describes it.
"""
