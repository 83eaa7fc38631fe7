"""The envelope's worked example (docs/envelope.md, ``tests/data/bidding/envelope-example.json``).

The example holds the inputs of sealing, submitting and receipting a small bid (keys, ids,
plaintext, the HPKE ephemeral key and the file key) and every value computed from them. The
tests below recompute every value from the inputs twice, with the project's code
(``bidding.sealing.crypto``) and independently from the primitives
(tests/unit/envelope_reference.py), and check that the doc's "Worked example" section is
exactly the one rendered from the file: doc, example and code cannot drift apart. (The random
envelope vector is tests/unit/test_bidding_envelope_vector.py.)

Regenerate the worked example and the doc section (deterministic: a change means the format or
the example's inputs changed) with ``.venv/bin/python -m tests.unit.test_bidding_crypto_vectors``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from bidding.sealing.crypto import custody, envelope, receipts
from bidding.sealing.crypto.common import b64decode, b64encode, sha256
from bidding.sealing.crypto.envelope import seal as envelope_seal
from tests.unit.envelope_reference import compute_example
from tests.unit.test_bidding_envelope_vector import unseal_file_key

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "data" / "bidding" / "envelope-example.json"
DOC = ROOT / "docs" / "envelope.md"
DOC_BEGIN = ("<!-- BEGIN worked example: generated from tests/data/bidding/envelope-example.json "
             "by tests/unit/test_bidding_crypto_vectors.py; do not edit by hand -->")
DOC_END = "<!-- END worked example -->"


def load_example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def example_inputs() -> dict[str, Any]:
    """The example's inputs, derived from labels so that they can be remade (the vector stores
    the values themselves; nothing reads these labels but this builder)."""

    def derived(label: str) -> bytes:
        return hashlib.sha256(b"ggzy worked example/1 " + label.encode()).digest()

    def an_id(label: str) -> str:
        return str(uuid.UUID(bytes=derived(label)[:16], version=4))

    token = "ggzy_" + base64.urlsafe_b64encode(derived("api token")).decode().rstrip("=")
    first_line = json.dumps({"format": "ggzy-bid/1", "price_fen": 118_600_000,
                             "duration_days": 300, "quality": "合格", "items": {}},
                            ensure_ascii=False, separators=(",", ":"))
    return {
        "opening_private_key_hex": derived("opening key").hex(),
        "ephemeral_private_key_hex": derived("ephemeral key").hex(),
        "file_key_hex": derived("file key").hex(),
        "tender_id": an_id("tender"), "section_id": an_id("section"),
        "bidder_id": an_id("bidder"), "segment_size": 64,
        "plaintext": first_line + "\n%PDF-1.7 (the attachment: any bytes)\n",
        "bidder_signing_seed_hex": derived("bidder signing key").hex(),
        "api_token": token,
        "receipt_signing_seed_hex": derived("receipt signing key").hex(),
        "receipt": {"receipt_id": an_id("receipt"), "server_time": "2027-03-01T02:15:30.250Z",
                    "deadline": "2027-03-22T01:30:00.000Z", "log_promise": 4711},
    }


def build_example() -> dict[str, Any]:
    inputs = example_inputs()
    return {"description": "ggzy envelope v1 worked example; see docs/envelope.md "
                           "(every value is recomputed by tests/unit/test_bidding_crypto_vectors.py)",
            "inputs": inputs, **compute_example(inputs)}


class _FixedUrandom:
    """Stands in for ``os`` inside bidding.sealing.crypto.envelope.seal: ``urandom`` gives the file
    key."""

    def __init__(self, value: bytes) -> None:
        self.value = value
        self.calls = 0

    def urandom(self, n: int) -> bytes:
        assert n == len(self.value)
        self.calls += 1
        return self.value

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@contextlib.contextmanager
def fixed_randomness(file_key: bytes, ephemeral_scalar: int) -> Iterator[None]:
    """Make the project's sealer use the example's file key and HPKE ephemeral key (it draws
    the first with ``os.urandom`` and pycryptodome's HPKE the second with ``ECC.generate``)."""
    ephemeral = ECC.construct(curve="p256", d=ephemeral_scalar)
    urandom = _FixedUrandom(file_key)
    generated = []

    def generate(**kwargs: Any) -> Any:
        assert kwargs.get("curve") in ("p256", "NIST P-256", "P-256")
        generated.append(kwargs)
        return ephemeral

    with mock.patch.object(envelope_seal, "os", urandom), mock.patch.object(ECC, "generate", generate):
        yield
    assert urandom.calls == 1 and len(generated) == 1


def seal_example_with_project_code(inputs: dict[str, Any]) -> tuple[bytes, envelope.SealResult]:
    opening = custody.import_opening_private_key(bytes.fromhex(inputs["opening_private_key_hex"]))
    public = bytes(opening.public_key().export_key(format="raw"))
    out = io.BytesIO()
    with fixed_randomness(bytes.fromhex(inputs["file_key_hex"]),
                          int(inputs["ephemeral_private_key_hex"], 16)):
        result = envelope.seal_stream(
            io.BytesIO(inputs["plaintext"].encode()), out, opening_public_key=public,
            tender_id=inputs["tender_id"], section_id=inputs["section_id"],
            bidder_id=inputs["bidder_id"], key_id=custody.key_id_for(public),
            segment_size=inputs["segment_size"],
            bidder_signing_key=eddsa.import_private_key(
                bytes.fromhex(inputs["bidder_signing_seed_hex"])))
    return out.getvalue(), result


# --- rendering the doc section ---

def _block(lines: list[str]) -> list[str]:
    return ["```", *lines, "```", ""]


def render_example(v: dict[str, Any]) -> str:
    """The "Worked example" section of docs/envelope.md, from the vector."""
    i, h, k, p = v["inputs"], v["header"], v["hpke"], v["payload"]
    r, req = v["receipt"], v["request"]
    out = [DOC_BEGIN, ""]
    out += ["Inputs (the secret ones are chosen here so that anyone can recompute the example; a "
            "real client draws the ephemeral key and the file key at random for every envelope):", ""]
    out += _block([
        f"opening private key skR   {i['opening_private_key_hex']}   (nobody has it before the opening)",
        f"tender_id                 {i['tender_id']}",
        f"section_id                {i['section_id']}",
        f"bidder_id                 {i['bidder_id']}",
        f"segment_size              {i['segment_size']}",
        f"ephemeral private key skE {i['ephemeral_private_key_hex']}",
        f"file_key                  {i['file_key_hex']}",
        f"bidder Ed25519 seed       {i['bidder_signing_seed_hex']}   (optional signature)",
        f"API token                 {i['api_token']}",
    ])
    out += [f"Plaintext ({v['plaintext']['length']} bytes of UTF-8, `ggzy-bid/1`; `\\n` is "
            "0x0a):", ""]
    out += _block([line + "\\n" for line in i["plaintext"].split("\n")[:-1]])
    out += ["Step by step (hex unless said otherwise):", ""]
    out += _block([
        "# the tender's opening key (GET /api/v1/tenders/{t}: opening.public_key_b64, opening.key_id)",
        f"pkR               {v['opening_key']['public_key_hex']}",
        f"pkR (base64)      {v['opening_key']['public_key_b64']}",
        f"key_id            {v['opening_key']['key_id']}          = first 32 hex of SHA-256(pkR)",
        "# header",
        f"plaintext_sha256  {v['plaintext']['sha256']}",
        f"header (H = {h['length']} bytes, ASCII)",
        f"  {h['json']}",
        f"fixed             {h['fixed_start_hex']} | header        ({h['fixed_length']} bytes)",
        f"header_digest     {h['header_digest_hex']}",
        f"info              {h['info_hex']}",
        "# HPKE SetupBaseS(pkR, info) and Seal(file_key)",
        f"suite_id (KEM)    {k['kem_suite_id_hex']}",
        f"suite_id (HPKE)   {k['hpke_suite_id_hex']}",
        f"enc = pkE         {k['enc_hex']}",
        f"dh                {k['dh_hex']}",
        f"kem_context       {k['kem_context_hex']}",
        f"eae_prk           {k['eae_prk_hex']}",
        f"shared_secret     {k['shared_secret_hex']}",
        f"psk_id_hash       {k['psk_id_hash_hex']}",
        f"info_hash         {k['info_hash_hex']}",
        f"key_schedule_ctx  {k['key_schedule_context_hex']}",
        f"secret            {k['secret_hex']}",
        f"key               {k['key_hex']}",
        f"base_nonce        {k['base_nonce_hex']}",
        f"sealed_key        {k['sealed_file_key_hex']}",
        "# segments",
        f"prefix            fixed | enc | sealed_key          ({p['prefix_length']} bytes)",
        f"prefix_digest     {p['prefix_digest_hex']}",
        f"prk               {p['prk_hex']}",
        f"segment_key       {p['segment_key_hex']}",
        f"nonce_prefix      {p['nonce_prefix_hex']}",
    ])
    seg_lines = []
    for seg in p["segments"]:
        seg_lines += [
            f"segment {seg['index']}: flag {seg['flag_hex']}, "
            f"{len(seg['plaintext_hex']) // 2} plaintext bytes",
            f"  plaintext       {seg['plaintext_hex']}",
            f"  nonce           {seg['nonce_hex']}",
            f"  ciphertext      {seg['ciphertext_hex']}",
            f"  tag             {seg['tag_hex']}",
        ]
    out += _block(seg_lines)
    e = v["envelope"]
    out += [f"The envelope is `prefix | segment 0 | segment 1 | …`, {e['size']} bytes "
            f"(`124 + {h['length']} + {v['plaintext']['segment_count']}·17 + "
            f"{v['plaintext']['length']}`), SHA-256 `{e['sha256']}`; in base64 (wrapped here "
            "at 76 characters, one line in the vector):", ""]
    out += _block(textwrap.wrap(e["b64"], 76))
    b = v["bid_signature"]
    out += ["The optional detached signature (Ed25519 of the bidder's seed above):", ""]
    out += _block([f"public key (base64) {b['public_key_b64']}",
                   f"message             {b['message_hex']}",
                   f"signature (base64)  {b['signature_b64']}"])
    out += ["The upload:", ""]
    out += _block([f"{req['method']} {req['path']} HTTP/1.1", "Host: HOST",
                   *(f"{name}: {value}" for name, value in req["headers"].items()),
                   "", f"<the {e['size']} envelope bytes>"])
    out += ["The answer (shown indented; the receipt key's Ed25519 seed is "
            f"`{i['receipt_signing_seed_hex']}` in this example, a platform's own is secret):", ""]
    out += _block(["HTTP/1.1 201 Created", "Content-Type: application/json", "",
                   *json.dumps(r["response"], indent=2).split("\n")])
    out += ["Verifying it:", ""]
    out += _block([
        "GET /api/v1/receipts/public-key  →",
        f"  {json.dumps(r['public_key_answer'])}",
        f"key_id input      {r['key_id_input_hex']}",
        f"key_id            {r['public_key_answer']['key_id']}   = first 16 hex of SHA-256(key_id input)",
        "signed bytes (RFC 8785 JCS of {type, key_id, fields}, ASCII)",
        f"  {r['signed_text']}",
        f"signature         {r['response']['signature']}   (Ed25519, verifies with the public key)",
        f"envelope_sha256   {e['sha256']}   = SHA-256 of the uploaded file",
    ])
    out.append(DOC_END)
    return "\n".join(out)


def doc_example_section(text: str) -> str:
    start = text.index(DOC_BEGIN)
    end = text.index(DOC_END, start) + len(DOC_END)
    return text[start:end]


# --- the tests ---

def test_example_inputs_are_the_ones_the_builder_makes() -> None:
    assert load_example()["inputs"] == example_inputs()


def test_every_example_value_follows_from_the_inputs_independently() -> None:
    """Plain primitives, written from the doc, give every value of the vector."""
    v = load_example()
    computed = compute_example(v["inputs"])
    for name, value in computed.items():
        assert v[name] == value, name
    assert set(v) == {"description", "inputs", *computed}


def test_the_project_seals_the_example_byte_for_byte() -> None:
    v = load_example()
    env, result = seal_example_with_project_code(v["inputs"])
    assert b64encode(env) == v["envelope"]["b64"]
    assert (result.envelope_sha256, result.envelope_size) == (v["envelope"]["sha256"],
                                                              v["envelope"]["size"])
    assert result.plaintext_sha256 == v["plaintext"]["sha256"]
    assert result.segment_count == v["plaintext"]["segment_count"]
    assert result.signature is not None
    assert b64encode(result.signature) == v["bid_signature"]["signature_b64"]
    assert envelope.signature_message(result.envelope_sha256).hex() == \
        v["bid_signature"]["message_hex"]


def test_the_project_computes_the_example_intermediates() -> None:
    v = load_example()
    i, h, p = v["inputs"], v["header"], v["payload"]
    opening = custody.import_opening_private_key(bytes.fromhex(i["opening_private_key_hex"]))
    public = bytes(opening.public_key().export_key(format="raw"))
    assert public.hex() == v["opening_key"]["public_key_hex"]
    assert custody.key_id_for(public) == v["opening_key"]["key_id"]
    header = envelope.Header(
        suite=envelope.SUITE_ID, tender_id=i["tender_id"], section_id=i["section_id"],
        bidder_id=i["bidder_id"], key_id=v["opening_key"]["key_id"],
        segment_size=i["segment_size"], plaintext_length=v["plaintext"]["length"],
        plaintext_sha256=v["plaintext"]["sha256"])
    assert header.to_json_bytes().decode() == h["json"]
    assert envelope.parse_header(header.to_json_bytes()) == header
    digest = bytes.fromhex(h["header_digest_hex"])
    assert envelope.hpke_info(digest).hex() == h["info_hex"]
    env = b64decode(v["envelope"]["b64"])
    assert sha256(env[:h["fixed_length"]]) == digest
    # pycryptodome's HPKE (what the project uses) unseals the file key with the opening key.
    assert unseal_file_key(env, opening).hex() == i["file_key_hex"]
    assert sha256(env[:p["prefix_length"]]).hex() == p["prefix_digest_hex"]
    key, nonce_prefix = envelope.segment_keys(bytes.fromhex(i["file_key_hex"]),
                                              bytes.fromhex(p["prefix_digest_hex"]))
    assert (key.hex(), nonce_prefix.hex()) == (p["segment_key_hex"], p["nonce_prefix_hex"])
    count = len(p["segments"])
    for seg in p["segments"]:
        nonce = envelope.segment_nonce(nonce_prefix, seg["index"], seg["index"] == count - 1)
        assert nonce.hex() == seg["nonce_hex"]
    assert envelope.envelope_size(h["length"], v["plaintext"]["length"], i["segment_size"]) == \
        v["envelope"]["size"]


def test_the_platform_accepts_and_opens_the_example() -> None:
    """The upload check with the ids spelled as the platform spells them (``str(uuid)``), then
    the opening with the receipted digest and the detached signature, then the first line."""
    from bidding.opening.decryption import parse_plaintext_header
    from bidding.submission.intake import Target

    v = load_example()
    i = v["inputs"]
    target = Target(tender_id=uuid.UUID(i["tender_id"]), section_id=uuid.UUID(i["section_id"]),
                    bidder_id=uuid.UUID(i["bidder_id"]), user_id=uuid.uuid4(),
                    key_id=v["opening_key"]["key_id"],
                    deadline=dt.datetime(2027, 3, 22, 1, 30, tzinfo=dt.UTC))
    env = b64decode(v["envelope"]["b64"])
    info = envelope.inspect_stream(io.BytesIO(env), max_size=len(env), expected=target.expected())
    assert info.envelope_sha256 == v["envelope"]["sha256"]
    headers = v["request"]["headers"]
    expected = envelope.ExpectedIds(
        i["tender_id"], i["section_id"], i["bidder_id"], v["opening_key"]["key_id"],
        v["envelope"]["sha256"], bid_signature=b64decode(headers["X-Bid-Signature"]),
        bidder_public_key=b64decode(headers["X-Bidder-Public-Key"]))
    opening = custody.import_opening_private_key(bytes.fromhex(i["opening_private_key_hex"]))
    out = io.BytesIO()
    envelope.open_stream(io.BytesIO(env), out, opening_private_key=opening, expected=expected)
    assert out.getvalue() == i["plaintext"].encode()
    outcome = parse_plaintext_header(out.getvalue())
    assert outcome.price_fen == 118_600_000
    assert outcome.announced == {"duration_days": 300, "quality": "合格", "items": {}}


def test_the_project_signs_and_verifies_the_example_receipt() -> None:
    v = load_example()
    r = v["receipt"]
    key = eddsa.import_private_key(bytes.fromhex(v["inputs"]["receipt_signing_seed_hex"]))
    public = bytes(key.public_key().export_key(format="raw"))
    assert b64encode(public) == r["public_key_answer"]["public_key_b64"]
    assert receipts.key_id_of(public) == r["public_key_answer"]["key_id"]
    receipt = receipts.sign_receipt(r["response"]["fields"], key=key)
    assert receipt.to_dict() == r["response"]
    assert receipt.signed_bytes().decode() == r["signed_text"]
    parsed = receipts.Receipt.from_dict(r["response"])
    receipts.verify_receipt(parsed, public)
    assert parsed.fields["envelope_sha256"] == hashlib.sha256(
        b64decode(v["envelope"]["b64"])).hexdigest()


def test_the_doc_shows_exactly_the_example() -> None:
    """docs/envelope.md's worked example is the rendering of the vector (regenerate both with
    ``python -m tests.unit.test_bidding_crypto_vectors``)."""
    assert doc_example_section(DOC.read_text(encoding="utf-8")) == render_example(load_example())


def test_the_doc_states_the_key_file_iteration_counts_of_the_code() -> None:
    from bidding import demo

    text = DOC.read_text(encoding="utf-8")
    for count in (custody.DEFAULT_KDF_ITERATIONS, demo.DEMO_KDF_ITERATIONS,
                  custody.MIN_KDF_ITERATIONS):
        assert f"{count:,}" in text, count


def _write_example() -> None:
    example = build_example()
    env, _ = seal_example_with_project_code(example["inputs"])
    if b64encode(env) != example["envelope"]["b64"]:
        raise SystemExit("the project's sealer and the independent one disagree: not written")
    EXAMPLE.write_text(json.dumps(example, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(text.replace(doc_example_section(text), render_example(example)),
                   encoding="utf-8")
    print(f"wrote {EXAMPLE} and the worked example of {DOC}")


if __name__ == "__main__":
    _write_example()
