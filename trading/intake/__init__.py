"""The approval center intake module."""
