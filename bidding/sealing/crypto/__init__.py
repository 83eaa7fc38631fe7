"""Sealed-bid cryptography: the envelope format, custody of opening keys, platform receipts.

Everything here is pure (no database, no web): the bidder's CLI, the custodians' tools, the
server's structural check and the opening tasks all use the same code. The browser client in
``bidding/static/bidding/seal.js`` implements the same envelope format with WebCrypto; the
format itself is specified in ``docs/envelope.md``.
"""
