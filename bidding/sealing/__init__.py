"""Sealing: the cryptography of sealed bids (``crypto``: the envelope, custody of opening keys,
the dealer-free key ceremony's mathematics, receipts) and the platform side of the key ceremony
and of the custodians' keys (docs/dkg.md, docs/envelope.md)."""
