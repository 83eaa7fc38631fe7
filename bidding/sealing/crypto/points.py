"""P-256 points as the platform writes them: SEC 1 uncompressed, 65 bytes (``docs/dkg.md``,
"Encodings"), decoded strictly. The envelope's encapsulated key, the tender's opening key and
every point of the key ceremony go through ``decode_point``: pycryptodome's ``import_key``
accepts ``04 || 0^64`` as the point at infinity, and ``ECC.construct`` coordinates of p or more.
"""

from __future__ import annotations

from Crypto.PublicKey._point import EccPoint

P256_FIELD = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF  # p (SEC 2 §2.4.2)
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B  # y² = x³ - 3x + b


class PointError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "point_at_infinity" or "point_not_on_curve"


def encode_point(point: EccPoint) -> bytes:
    """SEC1 uncompressed, 65 bytes. The point at infinity has no encoding here."""
    if point.is_point_at_infinity():
        raise PointError("point_at_infinity")
    x, y = point.xy
    return b"\x04" + int(x).to_bytes(32, "big") + int(y).to_bytes(32, "big")


def decode_point(raw: bytes) -> EccPoint:
    """Strict decoding: 65 bytes, 0x04, coordinates below p, on the curve."""
    if raw in (b"\x00", b"\x04" + bytes(64)):
        raise PointError("point_at_infinity")
    if len(raw) != 65 or raw[0] != 0x04:
        raise PointError("point_not_on_curve")
    x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
    if x >= P256_FIELD or y >= P256_FIELD or (y * y - (x * x * x - 3 * x + P256_B)) % P256_FIELD != 0:
        raise PointError("point_not_on_curve")
    return EccPoint(x, y, "p256")
