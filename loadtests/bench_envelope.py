"""Envelope throughput in Python: sealing, the keyless structural check (what the server runs
on every upload) and opening (what each opening task runs), for a 50 MB bid on temporary
files. Prints MB/s per operation; ``make benchmarks BENCH=envelope``."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from Crypto.PublicKey import ECC

from bidding.sealing.crypto import envelope

SIZE = 50 * 1000 * 1000
CHUNK = 1 << 16  # what an upload handler typically receives per read


def _timed(label: str, size: int, work) -> float:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    print(f"  {label:<38} {elapsed:7.3f} s  {size / elapsed / 1e6:8.1f} MB/s")
    return elapsed


def main() -> None:
    key = ECC.generate(curve="p256")
    public = key.public_key().export_key(format="raw")
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "bid.bin"
        sealed = Path(tmp) / "bid.env"
        opened = Path(tmp) / "bid.out"
        block = os.urandom(1 << 20)
        with plain.open("wb") as handle:
            written = 0
            while written < SIZE:
                piece = block[: min(len(block), SIZE - written)]
                handle.write(piece)
                written += len(piece)
        print(f"bid of {SIZE / 1e6:.0f} MB, segments of 1 MiB")

        def seal() -> None:
            with plain.open("rb") as src, sealed.open("wb") as dst:
                envelope.seal_stream(src, dst, opening_public_key=public, tender_id="T",
                                     section_id="S", bidder_id="B", key_id="k")

        def check_incremental() -> None:
            checker = envelope.EnvelopeChecker(max_size=SIZE * 2)
            with sealed.open("rb") as src:
                while chunk := src.read(CHUNK):
                    checker.feed(chunk)
            checker.finish()

        def sha256_only() -> None:
            digest = hashlib.sha256()
            with sealed.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)

        def open_() -> None:
            with sealed.open("rb") as src, opened.open("wb") as dst:
                envelope.open_stream(src, dst, opening_private_key=key,
                                     expected=envelope.ExpectedIds("T", "S", "B", "k"))

        _timed("seal (2 passes: hash, encrypt)", SIZE, seal)
        _timed("structural check, 64 KiB chunks", sealed.stat().st_size, check_incremental)
        _timed("plain SHA-256 of the same file", sealed.stat().st_size, sha256_only)
        _timed("open (decrypt + verify every tag)", SIZE, open_)
        assert hashlib.sha256(opened.read_bytes()).digest() == \
            hashlib.sha256(plain.read_bytes()).digest()


if __name__ == "__main__":
    main()
