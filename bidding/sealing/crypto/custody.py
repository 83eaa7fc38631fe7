"""Custody of opening keys: custodians' long-term keys, key files, share submissions.

A custodian holds two long-term keys in one passphrase-protected file on its own machine: a
P-256 key that receives its sealed shares (HPKE) and an Ed25519 key that signs its share
submissions. The file format is readable by both the CLI and the custodian's browser
(``share-open.js``): PBKDF2-SHA256 + AES-256-GCM around the raw private keys, i.e. only what
WebCrypto can do natively. One file, one protection, two clients.

The opening key of a tender is made by its custodians together, with no dealer
(``bidding.sealing.crypto.dkg``, docs/dkg.md); this module holds what that and the opening share: the
custodians' keys and their files, the signed share submission, the errors.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from bidding.sealing.crypto.common import b64decode, b64encode, length_prefixed, sha256
from bidding.sealing.crypto.envelope import import_opening_public_key

KEY_FILE_FORMAT = "ggzy-custodian-key/1"
PUBLIC_FORMAT = "ggzy-custodian-public/1"
DEFAULT_KDF_ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
MIN_KDF_ITERATIONS = 1_000  # tests use small counts; real files use the default
SUBMISSION_LABEL = b"ggzy-share-submission/1\x00"
FINGERPRINT_LABEL = b"ggzy-custodian-public/1\x00"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # n of P-256


class CustodyError(Exception):
    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class KeyFileError(CustodyError):
    """The key file cannot be read (wrong passphrase, damaged or foreign file)."""


class ShareError(CustodyError):
    """A sealed share or a share submission is invalid."""


class NotEnoughSharesError(CustodyError):
    def __init__(self, have: int, need: int) -> None:
        super().__init__(f"有效份额不足：已有 {have} 份，需要 {need} 份",
                         f"not enough valid shares: {have} of {need}")
        self.have = have
        self.need = need


class BadShareError(CustodyError):
    """Named shares do not fit the opening public key.

    ``identified`` is False when no k-subset reconstructs the key, so the culprits cannot be
    told apart (``custodian_ids`` then lists every share given). ``key`` is the reconstructed
    opening key when enough good shares were there to rebuild it anyway.
    """

    def __init__(self, custodian_ids: Sequence[str], *, identified: bool = True,
                 key: EccKey | None = None) -> None:
        names = ", ".join(custodian_ids)
        if identified:
            super().__init__(f"以下保管人的份额无效：{names}", f"invalid share(s) from: {names}")
        else:
            super().__init__(f"份额无法重建开标私钥，无法确定哪一份有误：{names}",
                             f"the shares do not rebuild the opening key; the wrong one cannot "
                             f"be identified among: {names}")
        self.custodian_ids = tuple(custodian_ids)
        self.identified = identified
        self.key = key


# --------------------------------------------------------------------------- long-term keys

@dataclass(frozen=True)
class CustodianPublic:
    """A custodian's public keys, as registered on the platform (``custodian_id`` assigned
    by the platform; empty for a freshly generated key that is not registered yet)."""

    custodian_id: str
    hpke_public_key: bytes  # uncompressed P-256 point, 65 bytes
    signing_public_key: bytes  # raw Ed25519, 32 bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.hpke_public_key, self.signing_public_key)

    def to_document(self) -> dict[str, str]:
        """The "custodian public key" JSON document registered on the platform."""
        return {"format": PUBLIC_FORMAT, "hpke_public_key": b64encode(self.hpke_public_key),
                "signing_public_key": b64encode(self.signing_public_key),
                "fingerprint": self.fingerprint}

    @classmethod
    def from_document(cls, custodian_id: str, document: Mapping[str, Any]) -> CustodianPublic:
        try:
            if document.get("format") != PUBLIC_FORMAT:
                raise ValueError("format")
            hpke_pub = b64decode(str(document["hpke_public_key"]))
            signing_pub = b64decode(str(document["signing_public_key"]))
            import_opening_public_key(hpke_pub)
            eddsa.import_public_key(signing_pub)
        except (KeyError, ValueError) as exc:
            raise CustodyError("保管人公钥文档无效", "invalid custodian public key document") from exc
        result = cls(custodian_id, hpke_pub, signing_pub)
        if "fingerprint" in document and document["fingerprint"] != result.fingerprint:
            raise CustodyError("保管人公钥指纹不符", "custodian public key fingerprint mismatch")
        return result


def fingerprint(hpke_public_key: bytes, signing_public_key: bytes) -> str:
    return sha256(FINGERPRINT_LABEL + hpke_public_key + signing_public_key).hex()


def display_fingerprint(value: str) -> str:
    """First 128 bits, grouped for reading aloud in the ceremony."""
    return " ".join(value[i:i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class CustodianKeys:
    hpke_key: EccKey  # private P-256
    signing_key: EccKey  # private Ed25519

    def public(self, custodian_id: str = "") -> CustodianPublic:
        return CustodianPublic(
            custodian_id,
            self.hpke_key.public_key().export_key(format="raw"),
            self.signing_key.public_key().export_key(format="raw"),
        )


def generate_custodian_keys() -> CustodianKeys:
    return CustodianKeys(ECC.generate(curve="p256"), ECC.generate(curve="ed25519"))


def _passphrase_key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    # NFC so that the same passphrase typed on different systems gives the same key (the
    # browser normalises the same way).
    data = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", data, salt, iterations, 32)


def key_file_document(keys: CustodianKeys, passphrase: str, *,
                      iterations: int = DEFAULT_KDF_ITERATIONS) -> dict[str, Any]:
    if not passphrase:
        raise KeyFileError("口令不能为空", "the passphrase must not be empty")
    if iterations < MIN_KDF_ITERATIONS:
        raise ValueError("too few KDF iterations")
    salt, iv = os.urandom(16), os.urandom(12)
    secret = json.dumps({
        "hpke_private_key": b64encode(int(keys.hpke_key.d).to_bytes(32, "big")),
        "signing_private_key": b64encode(bytes(keys.signing_key.seed)),
    }, sort_keys=True).encode()
    cipher = AES.new(_passphrase_key(passphrase, salt, iterations), AES.MODE_GCM, nonce=iv)
    cipher.update(KEY_FILE_FORMAT.encode())
    ciphertext, tag = cipher.encrypt_and_digest(secret)
    return {
        "format": KEY_FILE_FORMAT,
        "public": keys.public().to_document(),
        "kdf": {"name": "PBKDF2-SHA256", "iterations": iterations, "salt": b64encode(salt)},
        "cipher": {"name": "AES-256-GCM", "iv": b64encode(iv)},
        "ciphertext": b64encode(ciphertext + tag),
    }


def save_key_file(path: Path, keys: CustodianKeys, passphrase: str, *,
                  iterations: int = DEFAULT_KDF_ITERATIONS) -> None:
    """Write a new key file, owner-only (0600). Never overwrites an existing file."""
    text = json.dumps(key_file_document(keys, passphrase, iterations=iterations), indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


def keys_from_document(document: Mapping[str, Any], passphrase: str) -> CustodianKeys:
    try:
        if document.get("format") != KEY_FILE_FORMAT:
            raise ValueError("format")
        kdf, cipher_params = document["kdf"], document["cipher"]
        if kdf["name"] != "PBKDF2-SHA256" or cipher_params["name"] != "AES-256-GCM":
            raise ValueError("algorithm")
        iterations = int(kdf["iterations"])
        if iterations < MIN_KDF_ITERATIONS:
            raise ValueError("iterations")
        salt, iv = b64decode(kdf["salt"]), b64decode(cipher_params["iv"])
        blob = b64decode(document["ciphertext"])
        public = CustodianPublic.from_document("", document["public"])
    except (KeyError, TypeError, ValueError, CustodyError) as exc:
        raise KeyFileError("不是有效的保管人密钥文件", "not a valid custodian key file") from exc
    cipher = AES.new(_passphrase_key(passphrase, salt, iterations), AES.MODE_GCM, nonce=iv)
    cipher.update(KEY_FILE_FORMAT.encode())
    try:
        secret = json.loads(cipher.decrypt_and_verify(blob[:-16], blob[-16:]))
    except ValueError as exc:
        raise KeyFileError("口令错误或密钥文件已损坏",
                           "wrong passphrase or damaged key file") from exc
    keys = CustodianKeys(
        ECC.construct(curve="p256",
                      d=int.from_bytes(b64decode(secret["hpke_private_key"]), "big")),
        eddsa.import_private_key(b64decode(secret["signing_private_key"])),
    )
    if keys.public() != public:
        raise KeyFileError("密钥文件中的私钥与公钥不符",
                           "the key file's private keys do not match its public keys")
    return keys


def protect(payload: bytes, passphrase: str, label: str, *,
            iterations: int = DEFAULT_KDF_ITERATIONS) -> dict[str, Any]:
    """Any small secret kept next to a key file (a dealer's ephemeral keys between dealing and
    the complaint period), protected exactly like the key file: PBKDF2-SHA256 + AES-256-GCM
    with ``label`` as the format and the associated data."""
    if not passphrase:
        raise KeyFileError("口令不能为空", "the passphrase must not be empty")
    salt, iv = os.urandom(16), os.urandom(12)
    cipher = AES.new(_passphrase_key(passphrase, salt, iterations), AES.MODE_GCM, nonce=iv)
    cipher.update(label.encode())
    ciphertext, tag = cipher.encrypt_and_digest(payload)
    return {"format": label,
            "kdf": {"name": "PBKDF2-SHA256", "iterations": iterations, "salt": b64encode(salt)},
            "cipher": {"name": "AES-256-GCM", "iv": b64encode(iv)},
            "ciphertext": b64encode(ciphertext + tag)}


def unprotect(document: Mapping[str, Any], passphrase: str, label: str) -> bytes:
    try:
        if document.get("format") != label:
            raise ValueError("format")
        iterations = int(document["kdf"]["iterations"])
        if iterations < MIN_KDF_ITERATIONS:
            raise ValueError("iterations")
        salt = b64decode(document["kdf"]["salt"])
        iv = b64decode(document["cipher"]["iv"])
        blob = b64decode(document["ciphertext"])
        cipher = AES.new(_passphrase_key(passphrase, salt, iterations), AES.MODE_GCM, nonce=iv)
        cipher.update(label.encode())
        return cipher.decrypt_and_verify(blob[:-16], blob[-16:])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyFileError("口令错误或文件已损坏", "wrong passphrase or damaged file") from exc


def load_key_file(path: Path, passphrase: str) -> CustodianKeys:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"无法读取密钥文件 {path}", f"cannot read the key file {path}") from exc
    if not isinstance(document, dict):
        raise KeyFileError("不是有效的保管人密钥文件", "not a valid custodian key file")
    return keys_from_document(document, passphrase)


# --------------------------------------------------------------------------- opening keys

def key_id_for(opening_public_key: bytes) -> str:
    """The opening key's id: the first 128 bits of its SHA-256 (so a client can check that a
    published key and its id belong together)."""
    return hashlib.sha256(opening_public_key).hexdigest()[:32]


def submission_message(share: bytes, tender_id: str, custodian_id: str) -> bytes:
    return SUBMISSION_LABEL + length_prefixed(tender_id.encode(), custodian_id.encode(), share)


def sign_share_submission(share: bytes, tender_id: str, custodian_id: str,
                          signing_key: EccKey) -> bytes:
    return bytes(eddsa.new(signing_key, "rfc8032").sign(
        submission_message(share, tender_id, custodian_id)))


def verify_share_submission(share: bytes, signature: bytes, tender_id: str, custodian_id: str,
                            signing_public_key: bytes) -> None:
    """Raises ``ShareError`` unless the custodian signed this share for this tender."""
    try:
        key = eddsa.import_public_key(signing_public_key)
        eddsa.new(key, "rfc8032").verify(submission_message(share, tender_id, custodian_id),
                                         signature)
    except ValueError as exc:
        raise ShareError(f"保管人 {custodian_id} 的份额签名无效",
                         f"the share signature of custodian {custodian_id} is invalid") from exc


# --------------------------------------------------------------------------- reconstruction

def export_opening_private_key(key: EccKey) -> bytes:
    """The raw 32-byte scalar (for the regulator's re-decryption after the opening)."""
    return int(key.d).to_bytes(32, "big")


def import_opening_private_key(raw: bytes) -> EccKey:
    return ECC.construct(curve="p256", d=int.from_bytes(raw, "big"))
