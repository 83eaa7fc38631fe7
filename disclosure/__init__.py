"""Standardized public notices, the public portal, feeds and OCDS export."""
