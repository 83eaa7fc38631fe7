"""The unified expert pool, recusal rules and verifiable random draws."""
