"""The structural check of an envelope without any key (the upload's streaming check)."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from bidding.sealing.crypto.envelope.format import (
    ENC_LENGTH,
    FIXED_PREFIX_LENGTH,
    FLAG_FINAL,
    FLAG_MORE,
    MAGIC,
    MAX_HEADER_LENGTH,
    READ_CHUNK,
    SEALED_KEY_LENGTH,
    SUITES,
    TAG_LENGTH,
    EnvelopeError,
    EnvelopeInfo,
    ExpectedIds,
    Header,
    check_enc,
    check_expected,
    envelope_size,
    key_slots,
    malformed,
    not_an_envelope,
    parse_header,
    prefix_length,
)


class EnvelopeChecker:
    """Incremental structural check of an envelope, fed chunk by chunk (bounded memory).

    Checks magic, version, suite, header fields, the encapsulated key, each segment's flag
    byte and the exact total length; computes the envelope SHA-256 on the way. It cannot check
    tags (no key): that is the opening's job. Raises ``EnvelopeError`` as early as possible,
    so an upload can be aborted at the first bad byte.
    """

    def __init__(self, *, max_size: int, expected: ExpectedIds | None = None) -> None:
        self._max_size = max_size
        self._expected = expected
        self._hash = hashlib.sha256()
        self._prefix_hash = hashlib.sha256()
        self._buffer = bytearray()
        self._size = 0
        self._header: Header | None = None
        self._body_start = 0
        self._total = 0
        self._failed: EnvelopeError | None = None

    def feed(self, chunk: bytes) -> None:
        if self._failed is not None:
            raise self._failed
        try:
            self._feed(chunk)
        except EnvelopeError as exc:
            self._failed = exc
            raise

    def _feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        start = self._size
        self._size += len(chunk)
        if self._size > self._max_size:
            raise oversize(self._max_size)
        self._hash.update(chunk)
        if self._header is None:
            self._buffer += chunk
            self._try_prefix()
            if self._header is None:
                return
            rest = bytes(self._buffer[self._body_start:])
            self._buffer = bytearray()
            self._check_body(self._body_start, rest)
        else:
            self._check_body(start, chunk)

    def _try_prefix(self) -> None:
        buf = self._buffer
        head = bytes(buf[:len(MAGIC)])
        if not MAGIC.startswith(head):
            raise not_an_envelope(head)
        if len(buf) < FIXED_PREFIX_LENGTH:
            return
        version = buf[len(MAGIC)]
        if version not in SUITES:
            raise malformed(f"不支持的信封版本 {version}",
                             f"unsupported envelope version {version}", code="unsupported")
        header_length = int.from_bytes(buf[len(MAGIC) + 1:FIXED_PREFIX_LENGTH], "big")
        if not 0 < header_length <= MAX_HEADER_LENGTH:
            raise malformed("信封头长度无效", "invalid envelope header length")
        length = prefix_length(header_length, version)
        if len(buf) < length:
            return
        header = parse_header(bytes(buf[FIXED_PREFIX_LENGTH:FIXED_PREFIX_LENGTH + header_length]),
                              version)
        check_expected(header, self._expected)
        enc_start = FIXED_PREFIX_LENGTH + header_length
        for _slot in range(key_slots(version)):
            check_enc(bytes(buf[enc_start:enc_start + ENC_LENGTH]))
            enc_start += ENC_LENGTH + SEALED_KEY_LENGTH
        self._total = envelope_size(header_length, header.plaintext_length, header.segment_size,
                                    version)
        if self._total > self._max_size:
            raise oversize(self._max_size)
        self._prefix_hash.update(bytes(buf[:length]))
        self._header = header
        self._body_start = length

    def _check_body(self, offset: int, data: bytes) -> None:
        """Check the flag bytes that fall inside ``data`` (which starts at ``offset``)."""
        assert self._header is not None
        end = offset + len(data)
        if end > self._total:
            raise malformed("信封末尾有多余数据", "trailing bytes after the final segment")
        stride = 1 + self._header.segment_size + TAG_LENGTH
        n = self._header.segment_count
        rel = offset - self._body_start
        index = max(0, -(-rel // stride))  # first segment whose flag byte is at or after offset
        while index < n:
            position = self._body_start + index * stride
            if position >= end:
                break
            flag = data[position - offset]
            if flag != (FLAG_FINAL if index == n - 1 else FLAG_MORE):
                raise malformed(f"第 {index + 1} 段的分段标志错误",
                                 f"segment {index + 1} has a wrong segment flag")
            index += 1

    def finish(self) -> EnvelopeInfo:
        if self._failed is not None:
            raise self._failed
        if self._size == 0:
            raise EnvelopeError("文件为空", "the file is empty", code="empty")
        if self._header is None:
            if not MAGIC.startswith(bytes(self._buffer[:len(MAGIC)])) or self._size < len(MAGIC):
                raise not_an_envelope(bytes(self._buffer[:len(MAGIC)]))
            raise malformed("信封不完整（在信封头处截断）", "the envelope is truncated in its header",
                             code="truncated")
        if self._size != self._total:
            raise malformed(f"信封不完整：收到 {self._size} 字节，应为 {self._total} 字节",
                             f"the envelope is truncated: {self._size} of {self._total} bytes",
                             code="truncated")
        return EnvelopeInfo(
            version=self._header.version, header=self._header, segment_count=self._header.segment_count,
            envelope_size=self._size, envelope_sha256=self._hash.hexdigest(),
            prefix_sha256=self._prefix_hash.hexdigest(),
        )


def oversize(max_size: int) -> EnvelopeError:
    return EnvelopeError(f"投标文件超过大小上限 {max_size} 字节",
                         f"the bid exceeds the size limit of {max_size} bytes", code="too_large")


def inspect_stream(src: BinaryIO, *, max_size: int,
                   expected: ExpectedIds | None = None) -> EnvelopeInfo:
    """Structural check of a whole stream, without any key (see ``EnvelopeChecker``)."""
    checker = EnvelopeChecker(max_size=max_size, expected=expected)
    while chunk := src.read(READ_CHUNK):
        checker.feed(chunk)
    return checker.finish()

