"""Supervision tables (the transparency log); filled in by the log-core work."""
