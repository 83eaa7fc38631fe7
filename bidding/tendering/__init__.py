"""Tendering: a tender from its creation to its deadline — sections, the legal periods, the
documents and who downloaded them, the announcement, clarifications and objections to the
documents. Imports neither submission nor opening (pyproject.toml, import-linter)."""
