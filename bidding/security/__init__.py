"""Bid security (投标保证金, R-16): virtual sub-accounts, incoming payments, guarantee letters,
refunds (docs/bidding.md, "Bid security")."""
