"""Custody of opening keys: custodians' long-term keys, the k-of-n ceremony, share handling.

A custodian holds two long-term keys in one passphrase-protected file on its own machine: a
P-256 key that receives its sealed shares (HPKE) and an Ed25519 key that signs its share
submissions. The file format is readable by both the CLI and the custodian's browser
(``share-open.js``): PBKDF2-SHA256 + AES-256-GCM around the raw private keys, i.e. only what
WebCrypto can do natively. One file, one protection, two clients.

The opening key of a tender is made by ``run_ceremony`` on a custodian's machine; its 32-byte
scalar is split with pycryptodome's Shamir scheme (which splits 16-byte secrets: the two halves
are split independently with the same x-coordinates, so one share = x | y_high | y_low), and each
share is sealed with HPKE to its custodian. The plain private key never leaves the function.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol import HPKE
from Crypto.Protocol.SecretSharing import Shamir
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from bidding.crypto.common import b64decode, b64encode, length_prefixed, sha256, valid_id
from bidding.crypto.envelope import import_opening_public_key

KEY_FILE_FORMAT = "ggzy-custodian-key/1"
PUBLIC_FORMAT = "ggzy-custodian-public/1"
DEFAULT_KDF_ITERATIONS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
MIN_KDF_ITERATIONS = 1_000  # tests use small counts; real files use the default
SHARE_VERSION = 1
SHARE_LENGTH = 33  # x (1) | y of the high half (16) | y of the low half (16)
SEALED_SHARE_LENGTH = 1 + 65 + SHARE_LENGTH + 16
SHARE_INFO_LABEL = b"ggzy-share/1\x00"
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


def load_key_file(path: Path, passphrase: str) -> CustodianKeys:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"无法读取密钥文件 {path}", f"cannot read the key file {path}") from exc
    if not isinstance(document, dict):
        raise KeyFileError("不是有效的保管人密钥文件", "not a valid custodian key file")
    return keys_from_document(document, passphrase)


# --------------------------------------------------------------------------- the ceremony

@dataclass(frozen=True)
class CeremonyResult:
    opening_public_key: bytes  # uncompressed P-256 point
    key_id: str
    commitment: str  # SHA-256 of the opening public key, hex
    k: int
    n: int
    sealed_shares: dict[str, bytes]  # custodian_id -> sealed share
    share_indices: dict[str, int]  # custodian_id -> Shamir x-coordinate (public)

    def upload_document(self) -> dict[str, Any]:
        """The body of ``POST /api/v1/tenders/{id}/custody``."""
        return {"opening_public_key_b64": b64encode(self.opening_public_key),
                "key_id": self.key_id, "k": self.k, "commitment_hex": self.commitment,
                "sealed_shares": {cid: b64encode(s) for cid, s in self.sealed_shares.items()}}


def key_id_for(opening_public_key: bytes) -> str:
    """The opening key's id: the first 128 bits of its commitment (so a client can check that
    a published key and its id belong together)."""
    return commitment_for(opening_public_key)[:32]


def commitment_for(opening_public_key: bytes) -> str:
    return sha256(opening_public_key).hex()


def share_info(tender_id: str, custodian_id: str) -> bytes:
    return SHARE_INFO_LABEL + length_prefixed(tender_id.encode(), custodian_id.encode())


def run_ceremony(custodian_public_keys: Sequence[CustodianPublic], k: int,
                 tender_id: str) -> CeremonyResult:
    n = len(custodian_public_keys)
    ids = [c.custodian_id for c in custodian_public_keys]
    if not valid_id(tender_id) or not all(valid_id(i) for i in ids):
        raise ValueError("invalid tender or custodian id")
    if len(set(ids)) != n:
        raise ValueError("duplicate custodian id")
    if not 2 <= k <= n <= 255:
        raise CustodyError(f"门限无效：k={k}，n={n}（须 2 ≤ k ≤ n）",
                           f"invalid threshold k={k} of n={n} (need 2 <= k <= n)")
    opening_key = ECC.generate(curve="p256")
    scalar = int(opening_key.d).to_bytes(32, "big")
    high = Shamir.split(k, n, scalar[:16])
    low = Shamir.split(k, n, scalar[16:])
    del scalar
    public = opening_key.public_key().export_key(format="raw")
    sealed: dict[str, bytes] = {}
    indices: dict[str, int] = {}
    for custodian, (x_high, y_high), (x_low, y_low) in zip(custodian_public_keys, high, low,
                                                           strict=True):
        assert x_high == x_low
        share = bytes([x_high]) + y_high + y_low
        sealed[custodian.custodian_id] = seal_share(share, custodian, tender_id)
        indices[custodian.custodian_id] = x_high
    commitment = commitment_for(public)
    return CeremonyResult(public, key_id_for(public), commitment, k, n, sealed, indices)


def seal_share(share: bytes, custodian: CustodianPublic, tender_id: str) -> bytes:
    receiver = import_opening_public_key(custodian.hpke_public_key)
    context = HPKE.new(receiver_key=receiver, aead_id=HPKE.AEAD.AES256_GCM,
                       info=share_info(tender_id, custodian.custodian_id))
    return bytes([SHARE_VERSION]) + context.enc + context.seal(share)


def open_sealed_share(sealed: bytes, custodian: CustodianKeys, tender_id: str,
                      custodian_id: str) -> bytes:
    if len(sealed) != SEALED_SHARE_LENGTH or sealed[0] != SHARE_VERSION:
        raise ShareError("密封份额格式无效", "invalid sealed share")
    try:
        context = HPKE.new(receiver_key=custodian.hpke_key, aead_id=HPKE.AEAD.AES256_GCM,
                           enc=sealed[1:66], info=share_info(tender_id, custodian_id))
        share = bytes(context.unseal(sealed[66:]))
    except ValueError as exc:
        raise ShareError("无法解开份额：不是本人、本项目的份额，或密钥不符",
                         "cannot open the share: not sealed to this custodian for this "
                         "tender, or the wrong key") from exc
    return share


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


def _try_combine(shares: Sequence[bytes], opening_public_key: bytes) -> EccKey | None:
    try:
        high = Shamir.combine([(s[0], s[1:17]) for s in shares])
        low = Shamir.combine([(s[0], s[17:33]) for s in shares])
    except ValueError:  # e.g. a duplicate x-coordinate (a replayed share)
        return None
    d = int.from_bytes(high + low, "big")
    if not 0 < d < P256_ORDER:
        return None
    key = ECC.construct(curve="p256", d=d)
    if key.public_key().export_key(format="raw") != opening_public_key:
        return None
    return key


def combine_shares(shares: Mapping[str, bytes], k: int, opening_public_key: bytes) -> EccKey:
    """Rebuild the opening private key from custodians' shares and check it against the
    public key. Raises ``NotEnoughSharesError`` (fewer than k well-formed shares) or
    ``BadShareError`` (naming the shares that do not fit; with ``key`` set when the other
    shares sufficed to rebuild it)."""
    malformed = sorted(cid for cid, s in shares.items()
                       if len(s) != SHARE_LENGTH or s[0] == 0)
    usable = {cid: s for cid, s in sorted(shares.items()) if cid not in malformed}
    if len(usable) < k:
        if malformed:
            raise BadShareError(malformed)
        raise NotEnoughSharesError(len(usable), k)
    good: tuple[str, ...] | None = None
    key: EccKey | None = None
    for subset in itertools.combinations(usable, k):
        key = _try_combine([usable[cid] for cid in subset], opening_public_key)
        if key is not None:
            good = subset
            break
    if good is None or key is None:
        raise BadShareError(sorted(shares), identified=False)
    base = [usable[cid] for cid in good[:k - 1]]
    bad = list(malformed)
    for cid in usable:
        if cid not in good and _try_combine([*base, usable[cid]], opening_public_key) is None:
            bad.append(cid)
    if bad:
        raise BadShareError(sorted(bad), key=key)
    return key
