"""The approval seal (R-04): an Ed25519 signature over a notice's canonical content.

The key lives in ``GGZY_INTAKE_SEAL_KEY_FILE`` (default ``<var_dir>/keys/intake_seal.key``),
created owner-only on first use, never in the database. Anyone holding the notice's content,
the signature and the public key (shown on the public verification page) can check it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from trading import files
from trading.settings import get_settings

_LOCK = threading.Lock()
_KEYS: dict[str, ECC.EccKey] = {}


def key_file() -> Path:
    configured = os.environ.get("GGZY_INTAKE_SEAL_KEY_FILE", "").strip()
    return Path(configured) if configured else get_settings().var_dir / "keys" / "intake_seal.key"


def _load_or_create(path: Path) -> ECC.EccKey:
    if not path.exists():
        files.private_dir(path.parent, narrow_existing=False)
        with contextlib.suppress(FileExistsError), files.open_private(path, exclusive=True) as out:
            out.write(ECC.generate(curve="ed25519").export_key(format="PEM").encode())
    return ECC.import_key(path.read_text())


def signing_key() -> ECC.EccKey:
    path = key_file()
    with _LOCK:
        if str(path) not in _KEYS:
            _KEYS[str(path)] = _load_or_create(path)
        return _KEYS[str(path)]


def public_key_b64() -> str:
    raw = signing_key().public_key().export_key(format="raw")
    return base64.b64encode(raw).decode()


def canonical(content: dict[str, Any]) -> bytes:
    """The signed bytes: sorted keys, no spaces, UTF-8 (what a verifier recomputes)."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(content: dict[str, Any]) -> str:
    signature = eddsa.new(signing_key(), "rfc8032").sign(canonical(content))
    return base64.b64encode(signature).decode()


def verify(content: dict[str, Any], signature_b64: str, public_b64: str | None = None) -> bool:
    try:
        raw = base64.b64decode(public_b64 or public_key_b64(), validate=True)
        key = eddsa.import_public_key(raw)
        eddsa.new(key, "rfc8032").verify(canonical(content),
                                         base64.b64decode(signature_b64, validate=True))
    except (ValueError, TypeError):
        return False
    return True
