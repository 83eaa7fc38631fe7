"""Who hears about a 5xx answer: the test suite's rule that any server error fails the test.

``trading.web``'s error handlers call :func:`report` for every answer of status 500 or more
(an unhandled exception, or an ``HTTPException`` of a 5xx status). Nothing listens in
production (the log line of the handler is the record there); ``tests/conftest.py`` adds a
listener for each test and fails the test that caused the answer, unless the test is marked
``@pytest.mark.allows_server_error("why")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerError:
    method: str
    path: str
    status: int
    error: BaseException | None

    def __str__(self) -> str:
        cause = f": {type(self.error).__name__}: {self.error}" if self.error is not None else ""
        return f"{self.status} on {self.method} {self.path}{cause}"


Listener = Callable[[ServerError], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def report(method: str, path: str, status: int, error: BaseException | None = None) -> None:
    """Tell every listener about a 5xx answer (a listener's own failure is not the user's)."""
    if status < 500 or not _listeners:
        return
    found = ServerError(method, path, status, error)
    for listener in list(_listeners):
        listener(found)
