"""Validate OCDS packages offline with the official validator, libcoveocds.

libcoveocds reads the standard from ``--standard-zip`` but fetches every extension named in the
package's ``extensions`` list over HTTP, and it refuses ``file://`` URLs (a guard against
server-side request forgery). The package names the canonical GitHub URLs of the extensions;
here a requests transport adapter is mounted on ocdsextensionregistry's HTTP session for
exactly those URLs, answering from the copies in ``disclosure/data/ocds/extensions``: the raw
files, and the archive ZIP that ocdsextensionregistry derives for a tagged GitHub URL. Any
other URL still goes to the network, so a package naming an unknown extension fails loudly.

Record packages need one more stand-in: libcoveocds dereferences the record-package schema with
jsonref, which fetches ``versioned-release-validation-schema.json`` from
standard.open-contracting.org with ``requests.get``. During validation that function answers
URLs of the standard's schema directory from the same standard zip.

Usage: ``python -m disclosure.ocds_validate FILE`` (prints the counts, exits 1 on any error).
libcoveocds is a development dependency; this module imports it only when called.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "ocds"
STANDARD_ZIP = DATA / "standard-1__1__5.zip"
EXTENSIONS_DIR = DATA / "extensions"
RAW = "https://raw.githubusercontent.com/open-contracting-extensions/"
ARCHIVE = "https://github.com/open-contracting-extensions/"
STANDARD = "https://standard.open-contracting.org/schema/1__1__5/"

_installed = False


def _local_file(url: str) -> bytes | None:
    """Content for ``url`` from the local copies, or None when we have no such file."""
    if url.startswith(RAW):
        name, _, rest = url[len(RAW):].partition("/")
        _ref, _, path = rest.partition("/")
        target = (EXTENSIONS_DIR / name / path).resolve()
        if EXTENSIONS_DIR.resolve() in target.parents and target.is_file():
            return target.read_bytes()
        return None
    if url.startswith(ARCHIVE) and "/archive/" in url:
        name = url[len(ARCHIVE):].split("/")[0]
        ref = url.rsplit("/", 1)[-1].removesuffix(".zip")
        return _zip_of(name, ref) if (EXTENSIONS_DIR / name).is_dir() else None
    return None


def _zip_of(name: str, ref: str) -> bytes:
    # Laid out like GitHub's archive: one top directory (ocdsextensionregistry strips it).
    buffer = io.BytesIO()
    root = EXTENSIONS_DIR / name
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{name}-{ref}/", b"")
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.writestr(f"{name}-{ref}/{path.relative_to(root)}", path.read_bytes())
    return buffer.getvalue()


def install_offline_extensions() -> None:
    """Serve the bundled extensions to ocdsextensionregistry (idempotent)."""
    global _installed
    if _installed:
        return
    import urllib3
    from ocdsextensionregistry import util  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from requests.adapters import HTTPAdapter  # type: ignore[import-untyped,import-not-found,unused-ignore]

    class LocalExtensions(HTTPAdapter):  # type: ignore[misc,unused-ignore]
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            content = _local_file(request.url)
            raw = urllib3.HTTPResponse(
                body=io.BytesIO(content or b""), status=200 if content is not None else 404,
                reason="OK" if content is not None else "Not Found", preload_content=False,
                request_url=request.url, headers={"Content-Type": "application/octet-stream"},
            )
            return self.build_response(request, raw)

    adapter = LocalExtensions()
    util.session.mount(RAW, adapter)
    util.session.mount(ARCHIVE, adapter)
    _installed = True


def _standard_file(url: str) -> bytes | None:
    if not url.startswith(STANDARD):
        return None
    name = url[len(STANDARD):]
    with zipfile.ZipFile(STANDARD_ZIP) as archive:
        wanted = f"standard-1__1__5/schema/{name}"
        return archive.read(wanted) if wanted in archive.namelist() else None


@contextlib.contextmanager
def _offline_standard() -> Iterator[None]:
    import requests  # type: ignore[import-untyped,import-not-found,unused-ignore]

    original = requests.get

    def get(url: str, *args: Any, **kwargs: Any) -> Any:
        content = _standard_file(url)
        if content is None:
            return original(url, *args, **kwargs)
        response = requests.Response()
        response.status_code, response.url, response._content = 200, url, content
        return response

    setattr(requests, "get", get)  # noqa: B010 - jsonref looks requests.get up at each call
    try:
        yield
    finally:
        setattr(requests, "get", original)  # noqa: B010


def validate(package: dict[str, Any]) -> dict[str, Any]:
    """Run libcoveocds on ``package`` offline; returns its result dictionary."""
    install_offline_extensions()
    from libcoveocds.api import ocds_json_output  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from libcoveocds.config import LibCoveOCDSConfig  # type: ignore[import-untyped,import-not-found,unused-ignore]

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{STANDARD_ZIP}"
    with tempfile.TemporaryDirectory(prefix="ggzy-ocds-") as output, _offline_standard():
        result: dict[str, Any] = ocds_json_output(output, json_data=package,
                                                  lib_cove_ocds_config=config)
    return result


def problems(result: dict[str, Any]) -> dict[str, Any]:
    """What makes a package fail: validation errors, closed-codelist values, bad extensions,
    and a schema that could not be dereferenced (libcoveocds then skips the codelist checks,
    so "no codelist errors" would mean nothing)."""
    extensions = result.get("extensions") or {}
    deref = result.get("json_deref_error")
    return {
        "validation_errors": result.get("validation_errors") or [],
        "additional_closed_codelist_values": result.get("additional_closed_codelist_values")
        or {},
        "invalid_extensions": extensions.get("invalid_extension") or {},
        "json_deref_error": [deref] if deref else [],
    }


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m disclosure.ocds_validate FILE", file=sys.stderr)
        return 2
    found = problems(validate(json.loads(Path(args[0]).read_text(encoding="utf-8"))))
    print(json.dumps({k: len(v) for k, v in found.items()}))
    if any(found.values()):
        print(json.dumps(found, ensure_ascii=False, indent=2, default=str), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
