"""Organizations, users, roles, sessions, API tokens and guards."""
