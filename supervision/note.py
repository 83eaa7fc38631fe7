"""C2SP signed notes, checkpoints and cosignatures with Ed25519 (pycryptodome).

Standard library plus pycryptodome only: the offline verifier and a regulator's witness use
exactly this code. Formats (see docs/supervision.md):

- checkpoint body (c2sp.org/tlog-checkpoint): ``<origin>\\n<size>\\n<base64 root>\\n``;
- signed note (c2sp.org/signed-note): ``<body>\\n— <key name> <base64(key id || sig)>\\n``...,
  key id = ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` for Ed25519;
- cosignature (c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``): a note signature
  whose key id uses type byte 0x04 and whose payload is ``u64 timestamp || signature`` over
  ``cosignature/v1\\ntime <timestamp>\\n<checkpoint body>``;
- keys: verifier keys ``<name>+<hex key id>+<base64(type || public key)>`` and private key
  files ``PRIVATE+KEY+<name>+<hex key id>+<base64(type || seed)>``, as Go's note package.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

ED25519 = 0x01  # signed-note signature type of the log's own key
COSIGNATURE_V1 = 0x04  # tlog-cosignature Ed25519 type of a witness key
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_NOTE_BYTES = 1 << 20


class NoteError(ValueError):
    """A note, key or signature is malformed or does not verify; both languages for users."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


# --- keys ---------------------------------------------------------------------------------


def key_id(name: str, key_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"密钥名称无效：{name!r}", f"invalid key name {name!r}")
    return name


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_type: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.key_type, self.public)

    def encode(self) -> str:
        material = base64.b64encode(bytes([self.key_type]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{material}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            public = eddsa.import_public_key(self.public)
            eddsa.new(public, "rfc8032").verify(message, signature)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    name: str
    key_type: int
    seed: bytes

    @property
    def public(self) -> bytes:
        key = eddsa.import_private_key(self.seed)
        return bytes(key.public_key().export_key(format="raw"))

    @property
    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self.key_type, self.public)

    def sign(self, message: bytes) -> bytes:
        return bytes(eddsa.new(eddsa.import_private_key(self.seed), "rfc8032").sign(message))

    def encode(self) -> str:
        material = base64.b64encode(bytes([self.key_type]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{material}"


def generate_key(name: str, key_type: int = ED25519) -> SignerKey:
    key = ECC.generate(curve="ed25519")
    return SignerKey(_check_name(name), key_type, bytes(key.seed))


def parse_vkey(text: str) -> VerifierKey:
    parts = text.strip().split("+", 2)  # base64 may itself hold '+'
    if len(parts) != 3:
        raise NoteError("验证密钥格式应为 名称+密钥ID+公钥", "a verifier key is name+keyid+key")
    name, hex_id, material = parts
    raw = _b64(material, "验证密钥", "verifier key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("验证密钥不是 Ed25519 公钥", "the verifier key is not an Ed25519 key")
    key = VerifierKey(_check_name(name), raw[0], raw[1:])
    if key.id.hex() != hex_id.lower():
        raise NoteError("验证密钥的密钥ID与公钥不符", "the verifier key's key ID does not match")
    return key


def parse_signer(text: str) -> SignerKey:
    parts = text.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("私钥文件格式无效", "not a PRIVATE+KEY file")
    _, _, name, hex_id, material = parts
    raw = _b64(material, "私钥", "private key")
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("私钥不是 Ed25519 私钥", "the private key is not an Ed25519 key")
    key = SignerKey(_check_name(name), raw[0], raw[1:])
    if key.verifier.id.hex() != hex_id.lower():
        raise NoteError("私钥文件的密钥ID与私钥不符", "the private key file's key ID is wrong")
    return key


def write_private_key(path: Path, key: SignerKey) -> None:
    """Write ``key`` owner-only (0600) without ever leaving it readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.encode() + "\n")


def read_private_key(path: Path) -> SignerKey:
    try:
        text = path.read_text()
    except OSError as error:
        raise NoteError(f"无法读取私钥文件 {path}：{error.strerror}",
                        f"cannot read the private key file {path}: {error.strerror}") from None
    return parse_signer(text)


def read_vkey(value: str) -> VerifierKey:
    """A verifier key given inline or as the path of a file holding one."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            value = path.read_text()
        except OSError as error:
            raise NoteError(f"无法读取验证密钥 {value}：{error.strerror}",
                            f"cannot read the verifier key {value}: {error.strerror}") from None
    return parse_vkey(value)


def _b64(text: str, what_zh: str, what_en: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what_zh}不是有效的 base64", f"the {what_en} is not valid base64") from None


# --- notes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    payload: bytes  # what follows the key ID: a signature, or timestamp || signature

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.key_id + self.payload).decode()}\n"


def parse_note(text: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its body (ending in a newline) and its signature lines."""
    if len(text.encode()) > MAX_NOTE_BYTES:
        raise NoteError("签名笔记过大", "the signed note is too large")
    body, sep, signatures = text.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise NoteError("签名笔记缺少签名部分", "the signed note has no signature block")
    parsed = [parse_signature_line(line) for line in signatures[:-1].split("\n")]
    return body + "\n", parsed


def parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"签名行格式无效：{line[:60]!r}", f"malformed signature line {line[:60]!r}")
    name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    raw = _b64(encoded, "签名", "signature")
    if len(raw) < 5:
        raise NoteError("签名过短", "the signature is too short")
    return NoteSignature(name, raw[:4], raw[4:])


def sign_body(body: str, key: SignerKey) -> NoteSignature:
    return NoteSignature(key.name, key.verifier.id, key.sign(body.encode()))


def render_note(body: str, signatures: list[NoteSignature]) -> str:
    return body + "\n" + "".join(signature.line() for signature in signatures)


# --- checkpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("检查点正文至少三行且以换行结尾", "a checkpoint body is 3+ lines ending in a newline")
    origin, size_text, root_text, *rest = lines[:-1]
    if not origin:
        raise NoteError("检查点缺少来源行", "the checkpoint has no origin line")
    if not (size_text.isascii() and size_text.isdigit()) or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"检查点的树大小无效：{size_text!r}", f"invalid tree size {size_text!r}")
    root = _b64(root_text, "检查点根哈希", "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("检查点根哈希不是32字节", "the checkpoint root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(rest))


def sign_checkpoint(checkpoint: Checkpoint, key: SignerKey) -> str:
    if checkpoint.origin != key.name:
        raise NoteError("签名密钥名称必须与检查点来源一致",
                        "the signing key's name must equal the checkpoint origin")
    body = checkpoint.body()
    return render_note(body, [sign_body(body, key)])


def open_checkpoint(text: str, log_key: VerifierKey) -> tuple[Checkpoint, list[NoteSignature]]:
    """Parse and verify a signed checkpoint; return it and its other (cosignature) lines."""
    body, signatures = parse_note(text)
    checkpoint = parse_checkpoint_body(body)
    if checkpoint.origin != log_key.name:
        raise NoteError(
            f"未知的检查点来源“{checkpoint.origin}”（信任的日志为“{log_key.name}”）",
            f"unknown checkpoint origin {checkpoint.origin!r} (the trusted log is {log_key.name!r})",
        )
    own = [s for s in signatures if s.name == log_key.name and s.key_id == log_key.id]
    if not own:
        raise NoteError(
            f"检查点（大小 {checkpoint.size}）没有信任密钥 {log_key.name} 的签名（密钥不符？）",
            f"checkpoint of size {checkpoint.size} carries no signature by the trusted key "
            f"{log_key.name} (wrong key?)",
        )
    if not log_key.verify(body.encode(), own[0].payload):
        raise NoteError(f"检查点（大小 {checkpoint.size}）的签名无效",
                        f"the signature on the checkpoint of size {checkpoint.size} is invalid")
    return checkpoint, [s for s in signatures if s is not own[0]]


# --- cosignatures -------------------------------------------------------------------------


def cosigned_message(body: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode()


def cosign(body: str, key: SignerKey, timestamp: int) -> NoteSignature:
    if key.key_type != COSIGNATURE_V1:
        raise NoteError("见证密钥必须是 cosignature/v1 类型", "a witness key must be of type cosignature/v1")
    signature = key.sign(cosigned_message(body, timestamp))
    return NoteSignature(key.name, key.verifier.id, struct.pack(">Q", timestamp) + signature)


def verify_cosignature(body: str, signature: NoteSignature, key: VerifierKey) -> int:
    """Check a witness cosignature on a checkpoint body; return its timestamp."""
    if key.key_type != COSIGNATURE_V1 or signature.key_id != key.id or signature.name != key.name:
        raise NoteError("联署签名不属于登记的见证密钥",
                        "the cosignature is not by the registered witness key")
    if len(signature.payload) != 8 + 64:
        raise NoteError("联署签名长度无效", "the cosignature has the wrong length")
    (timestamp,) = struct.unpack(">Q", signature.payload[:8])
    if timestamp >= 1 << 63 or not key.verify(cosigned_message(body, timestamp), signature.payload[8:]):
        raise NoteError("联署签名无效", "the cosignature does not verify")
    return int(timestamp)
