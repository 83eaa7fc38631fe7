"""Tenders, sealed bids, custody of opening keys, receipts, closing, opening and award."""
