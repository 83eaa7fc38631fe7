"""The expert pool's static files (draw-form.js, the print style of the draw record)."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router

STATIC = create_static_files_router(path="/static/expert_pool",
                                    directories=[Path(__file__).parent / "static" / "expert_pool"],
                                    include_in_schema=False)
