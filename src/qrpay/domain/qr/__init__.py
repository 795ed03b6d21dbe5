"""The QR codec: EMVCo merchant- and consumer-presented codes, UPI links, national profiles."""
