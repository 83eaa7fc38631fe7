"""Which real servers are reachable here: PostgreSQL and Redis, by TCP connect.

Used by ``make test`` to decide whether to run the PostgreSQL + Redis pass; under CI=true an
unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import socket
import sys

SERVERS = {
    "postgresql": ("127.0.0.1", int(os.environ.get("GGZY_TEST_PG_PORT", "5432"))),
    "redis": ("127.0.0.1", int(os.environ.get("GGZY_TEST_REDIS_PORT", "6379"))),
}


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    missing = [name for name, address in SERVERS.items() if not reachable(*address)]
    if not missing:
        return 0
    message = f"not reachable: {', '.join(missing)}"
    if os.environ.get("CI", "").lower() == "true":
        print(f"FAIL under CI: {message}", file=sys.stderr)
        return 2
    print(f"skipping the PostgreSQL/Redis pass ({message})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
