"""The browser client (bidding/static/bidding/*.js) in real headless Chromium against the
Python implementation: the same test vector opens in both, browser envelopes open in Python,
Python envelopes open in the browser, a 50 MB bid streams, a custodian derives its share
of the opening key from the ceremony transcript.

The page is served by a small local HTTP server of this test (the scripts, one HTML page with
the platform's CSP, and a PUT endpoint that stores the upload), so these tests do not depend
on the bidding pages."""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from Crypto.PublicKey import ECC

from bidding.sealing.crypto import custody, envelope
from bidding.sealing.crypto.common import b64decode, b64encode
from tests.unit.test_bidding_dkg_share_vector import load_vector as load_share_vector
from tests.unit.test_bidding_envelope_vector import load_vector

pytestmark = pytest.mark.e2e

STATIC = Path(__file__).resolve().parents[2] / "bidding" / "static" / "bidding"
PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>seal test</title>
<script src="/static/bidding/seal.js"></script>
<script src="/static/bidding/share-open.js"></script></head>
<body><input type="file" id="bid"></body></html>"""
CSP = "default-src 'self'; script-src 'self'; object-src 'none'"


class _Handler(BaseHTTPRequestHandler):
    upload_dir: Path

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/test.html":
            self._send(200, PAGE, "text/html; charset=utf-8")
        elif self.path.startswith("/static/bidding/") and self.path.endswith(".js"):
            path = STATIC / self.path.removeprefix("/static/bidding/")
            if path.parent != STATIC or not path.exists():
                self._send(404, b"", "text/plain")
                return
            self._send(200, path.read_bytes(), "text/javascript; charset=utf-8")
        else:
            self._send(404, b"", "text/plain")

    def do_PUT(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        remaining = int(self.headers["Content-Length"])
        digest = hashlib.sha256()
        with open(self.upload_dir / name, "wb") as out:  # streamed, as the platform does
            while remaining:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
                remaining -= len(chunk)
        body = json.dumps({"envelope_sha256": digest.hexdigest(),
                           "csrf": self.headers.get("X-CSRFToken")}).encode()
        self._send(201, body, "application/json")


@pytest.fixture(scope="module")
def crypto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    uploads = tmp_path_factory.mktemp("uploads")
    handler = type("Handler", (_Handler,), {"upload_dir": uploads})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", uploads
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser, crypto_server):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{crypto_server[0]}/test.html")
    assert page.evaluate("() => typeof GgzySeal === 'object' && typeof GgzyShareOpen === 'object'")
    yield page
    context.close()
    assert not errors


def test_sha256_matches_python(page) -> None:
    samples = [b"", b"abc", bytes(range(256)) * 5, os.urandom(1000)]
    for sample in samples:
        js = page.evaluate("(b64) => GgzySeal._internal.hex(GgzySeal._internal.sha256("
                           "GgzySeal._internal.b64decode(b64)))", b64encode(sample))
        assert js == hashlib.sha256(sample).hexdigest()


def test_vector_opens_identically_in_chromium(page) -> None:
    v = load_vector()
    result = page.evaluate("""async (v) => {
        const r = await GgzySeal.openEnvelope(GgzySeal._internal.b64decode(v.envelope_b64),
            {privateKeyB64: v.opening_private_key_b64, publicKeyB64: v.opening_public_key_b64});
        const plain = new Uint8Array(await r.plaintext.arrayBuffer());
        return {plain: GgzySeal._internal.b64encode(plain), sha: r.envelopeSha256, header: r.header};
    }""", v)
    assert result["plain"] == v["plaintext_b64"]
    assert result["sha"] == v["envelope_sha256"]
    assert result["header"]["tender_id"] == v["tender_id"]


def test_share_vector_in_chromium(page) -> None:
    """The custodian's share derived in the browser from the ceremony transcript is, byte for
    byte, the one Python derives (tests/unit/test_bidding_dkg_share_vector.py)."""
    s = load_share_vector()
    result = page.evaluate("""async (s) => GgzyShareOpen.openAndSign(JSON.stringify(s.key_file),
        s.passphrase, s.transcript)""", s)
    assert result == s["submission"]
    wrong = page.evaluate("""async (s) => {
        try { await GgzyShareOpen.openAndSign(JSON.stringify(s.key_file), 'wrong', s.transcript);
              return 'opened'; }
        catch (e) { return e.message; } }""", s)
    assert "wrong passphrase" in wrong
    foreign = page.evaluate("""async (s) => {
        const t = JSON.parse(JSON.stringify(s.transcript));
        t.ceremony.tender_id = 'T-OTHER';  // shares sealed for another tender do not open
        try { await GgzyShareOpen.openAndSign(JSON.stringify(s.key_file), s.passphrase, t);
              return 'opened'; }
        catch (e) { return e.message; } }""", s)
    assert "cannot open the share" in foreign


SEAL_AND_UPLOAD = """async (a) => {
    const bytes = GgzySeal._internal.b64decode(a.plain);
    const file = new File([bytes], 'bid.pdf');
    const r = await GgzySeal.sealFile(file, {openingPublicKeyB64: a.pub, tenderId: 'T1',
        sectionId: 'S1', bidderId: 'B1', keyId: a.keyId, segmentSize: a.segmentSize});
    const answer = await GgzySeal.upload('/upload/' + a.name, r.blob, 'csrf-token-1');
    return {sha: r.envelopeSha256, plainSha: r.plaintextSha256, size: r.envelopeSize,
            answer: answer};
}"""


@pytest.mark.parametrize("length", [1, 64, 65, 1000])
def test_browser_envelope_opens_in_python(page, crypto_server, length: int) -> None:
    opening = ECC.generate(curve="p256")
    public = opening.public_key().export_key(format="raw")
    plain = os.urandom(length)
    name = f"small-{length}.env"
    key_id = custody.key_id_for(public)
    r = page.evaluate(SEAL_AND_UPLOAD, {"plain": b64encode(plain), "pub": b64encode(public),
                                        "keyId": key_id, "segmentSize": 64, "name": name})
    assert r["answer"] == {"envelope_sha256": r["sha"], "csrf": "csrf-token-1"}
    env = (crypto_server[1] / name).read_bytes()
    assert len(env) == r["size"] and hashlib.sha256(env).hexdigest() == r["sha"]
    info = envelope.inspect_stream(io.BytesIO(env), max_size=1 << 20)
    assert info.envelope_sha256 == r["sha"] and info.header.plaintext_sha256 == r["plainSha"]
    # Same fields, same header bytes as the Python writer (sorted keys, no spaces).
    assert env[11:11 + int.from_bytes(env[9:11], "big")] == info.header.to_json_bytes()
    out = io.BytesIO()
    envelope.open_stream(io.BytesIO(env), out, opening_private_key=opening,
                         expected=envelope.ExpectedIds("T1", "S1", "B1", key_id, r["sha"]))
    assert out.getvalue() == plain


def test_python_envelope_opens_in_chromium(page) -> None:
    opening = ECC.generate(curve="p256")
    public = opening.public_key().export_key(format="raw")
    plain = os.urandom(5000)
    out = io.BytesIO()
    sealed = envelope.seal_stream(io.BytesIO(plain), out, opening_public_key=public,
                                  tender_id="T1", section_id="S1", bidder_id="B1",
                                  key_id="k1", segment_size=1024)
    result = page.evaluate("""async (a) => {
        const r = await GgzySeal.openEnvelope(GgzySeal._internal.b64decode(a.env),
            {privateKeyB64: a.d, publicKeyB64: a.pub});
        return {plain: GgzySeal._internal.b64encode(new Uint8Array(await r.plaintext.arrayBuffer())),
                sha: r.envelopeSha256};
    }""", {"env": b64encode(out.getvalue()), "pub": b64encode(public),
           "d": b64encode(custody.export_opening_private_key(opening))})
    assert b64decode(result["plain"]) == plain and result["sha"] == sealed.envelope_sha256
    tampered = bytearray(out.getvalue())
    tampered[-5] ^= 1
    message = page.evaluate("""async (a) => {
        try { await GgzySeal.openEnvelope(GgzySeal._internal.b64decode(a.env),
            {privateKeyB64: a.d, publicKeyB64: a.pub}); return 'opened'; }
        catch (e) { return e.message; } }""", {
        "env": b64encode(bytes(tampered)), "pub": b64encode(public),
        "d": b64encode(custody.export_opening_private_key(opening))})
    assert "fails authentication" in message


def test_50mb_bid_streams_from_a_file_input(page, crypto_server, tmp_path) -> None:
    opening = ECC.generate(curve="p256")
    public = opening.public_key().export_key(format="raw")
    source = tmp_path / "bid-50mb.bin"
    block = os.urandom(1 << 20)
    with source.open("wb") as handle:
        for i in range(50):
            handle.write(block[i:] + block[:i])  # distinct segments, cheap to make
    page.set_input_files("#bid", str(source))
    cdp = page.context.new_cdp_session(page)
    page.evaluate("""(a) => {
        window.sealDone = null;
        const file = document.getElementById('bid').files[0];
        GgzySeal.sealFile(file, {openingPublicKeyB64: a.pub, tenderId: 'T1', sectionId: 'S1',
            bidderId: 'B1', keyId: a.keyId})
          .then(r => GgzySeal.upload('/upload/big.env', r.blob, null).then(
              answer => { window.sealDone = {sha: r.envelopeSha256, answer: answer}; }))
          .catch(e => { window.sealDone = {error: String(e)}; });
    }""", {"pub": b64encode(public), "keyId": custody.key_id_for(public)})
    peak = 0
    for _ in range(1200):
        peak = max(peak, int(cdp.send("Runtime.getHeapUsage")["usedSize"]))
        done = page.evaluate("() => window.sealDone")
        if done is not None:
            break
        page.wait_for_timeout(50)
    assert done is not None and "error" not in done, done
    assert done["answer"]["envelope_sha256"] == done["sha"]
    # The V8 heap stays small throughout. Array-buffer backing stores of the segments already
    # handed to Blobs are reclaimed lazily (Chromium's figure climbs until a GC), so check
    # they are garbage, not retained: after a collection almost nothing is left.
    assert peak < 16 * (1 << 20), peak
    cdp.send("HeapProfiler.collectGarbage")
    assert int(cdp.send("Runtime.getHeapUsage").get("backingStorageSize", 0)) < 8 * (1 << 20)
    env_path = crypto_server[1] / "big.env"
    with env_path.open("rb") as src:
        info = envelope.inspect_stream(src, max_size=60 << 20)
    assert info.segment_count == 50
    digest = hashlib.sha256()

    class _Sink(io.RawIOBase):
        def write(self, data) -> int:
            digest.update(data)
            return len(data)

    with env_path.open("rb") as src:
        envelope.open_stream(src, _Sink(), opening_private_key=opening,  # type: ignore[arg-type]
                             expected=envelope.ExpectedIds("T1", "S1", "B1",
                                                           custody.key_id_for(public),
                                                           done["sha"]))
    assert digest.hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()


def test_browser_refuses_a_key_that_does_not_match_its_id(page) -> None:
    public = ECC.generate(curve="p256").public_key().export_key(format="raw")
    message = page.evaluate("""async (a) => {
        try { await GgzySeal.sealFile(new File(['x'], 'a.txt'), {openingPublicKeyB64: a.pub,
                tenderId: 'T1', sectionId: 'S1', bidderId: 'B1', keyId: '0'.repeat(32)});
              return 'sealed'; }
        catch (e) { return e.message; } }""", {"pub": b64encode(public)})
    assert "does not match its key id" in message
    empty = page.evaluate("""async (a) => {
        try { await GgzySeal.sealFile(new File([], 'a.txt'), {openingPublicKeyB64: a.pub,
                tenderId: 'T1', sectionId: 'S1', bidderId: 'B1', keyId: a.keyId});
              return 'sealed'; }
        catch (e) { return e.message; } }""", {"pub": b64encode(public),
                                               "keyId": custody.key_id_for(public)})
    assert "empty" in empty


def test_bidder_decrypts_suite_between_chromium_and_python(page, crypto_server) -> None:
    """Version 2 (two XOR halves): the browser's bidder key, envelope and unsealed half work in
    Python, byte for byte; the checked-in BD vector opens in the browser."""
    from tests.unit.test_bidding_crypto_bidder_decrypts import load_vector as load_bd_vector

    opening = ECC.generate(curve="p256")
    public = opening.public_key().export_key(format="raw")
    key_id = custody.key_id_for(public)
    plain = os.urandom(300)
    r = page.evaluate("""async (a) => {
        const key = await GgzySeal.generateBidderKey();
        const file = new File([GgzySeal._internal.b64decode(a.plain)], 'bid.pdf');
        const s = await GgzySeal.sealFile(file, {openingPublicKeyB64: a.pub, tenderId: 'T1',
            sectionId: 'S1', bidderId: 'B1', keyId: a.keyId, segmentSize: 64,
            bidderPublicKeyB64: key.publicKeyB64});
        await GgzySeal.upload('/upload/bd.env', s.blob, 'csrf');
        const half = await GgzySeal.openBidderHalf(s.blob, key);
        const v = a.vector;
        const o = await GgzySeal.openEnvelope(GgzySeal._internal.b64decode(v.envelope_b64),
            {privateKeyB64: v.opening_private_key_b64, publicKeyB64: v.opening_public_key_b64,
             bidderHalfB64: await GgzySeal.openBidderHalf(
                 GgzySeal._internal.b64decode(v.envelope_b64),
                 {privateKeyB64: v.bidder_private_key_b64, publicKeyB64: v.bidder_public_key_b64})});
        return {key: key, half: half, sha: s.envelopeSha256,
                vectorPlain: GgzySeal._internal.b64encode(new Uint8Array(await o.plaintext.arrayBuffer())),
                vectorSha: o.envelopeSha256};
    }""", {"plain": b64encode(plain), "pub": b64encode(public), "keyId": key_id,
           "vector": load_bd_vector()})
    v = load_bd_vector()
    assert r["vectorPlain"] == v["plaintext_b64"] and r["vectorSha"] == v["envelope_sha256"]
    env = (crypto_server[1] / "bd.env").read_bytes()
    assert hashlib.sha256(env).hexdigest() == r["sha"] and env[8] == envelope.VERSION_BD
    info = envelope.inspect_stream(io.BytesIO(env), max_size=1 << 20)
    assert env[11:11 + int.from_bytes(env[9:11], "big")] == info.header.to_json_bytes()
    assert info.header.bidder_key_id == r["key"]["keyId"] == envelope.bidder_key_id(
        b64decode(r["key"]["publicKeyB64"]))
    bidder = custody.import_opening_private_key(b64decode(r["key"]["privateKeyB64"]))
    half = envelope.open_bidder_half(io.BytesIO(env), bidder)
    assert b64encode(half) == r["half"]
    out = io.BytesIO()
    envelope.open_stream(io.BytesIO(env), out, opening_private_key=opening,
                         expected=envelope.ExpectedIds("T1", "S1", "B1", key_id, r["sha"],
                                                       bidder_decrypts=True), bidder_half=half)
    assert out.getvalue() == plain
