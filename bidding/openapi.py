"""OpenAPI descriptions of the bid upload and the receipt key that the handlers' types cannot
give: the upload reads the raw request stream (it has no ``data`` parameter) and answers a plain
dict, and so does the receipt key. Documentation only: nothing here changes what a route does.
The bearer security scheme, and which operations need it, are declared in ``trading.app``; the
formats themselves are specified in docs/envelope.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar.enums import ParamType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
)

from bidding import config

SPEC = "docs/envelope.md"
PROBLEM_JSON = "application/problem+json"


def _text(description: str) -> msgspec.Meta:
    return msgspec.Meta(description=description)


class ProblemError(msgspec.Struct):
    field: Annotated[str, _text("the field at fault (e.g. `envelope`), or empty")]
    reason: str


class ProblemDetails(msgspec.Struct):
    """An error answer (RFC 9457 problem details, media type ``application/problem+json``)."""

    type: Annotated[str, _text("always `about:blank`")]
    title: Annotated[str, _text("the machine-readable code, e.g. `deadline_passed`, "
                                "`envelope_wrong_target`")]
    status: int
    detail: Annotated[str, _text("the reason, in the request's language (`?lang=en` or the "
                                 "language cookie; Chinese by default)")]
    errors: list[ProblemError] | None = None
    message_zh: Annotated[str | None, _text("the reason in Chinese (refusals by the platform's "
                                            "rules)")] = None
    message_en: Annotated[str | None, _text("the reason in English")] = None


class ReceiptFields(msgspec.Struct):
    """What the platform certifies; the signature covers exactly these members."""

    receipt_id: Annotated[str, _text("the bid's id (lowercase UUID with dashes)")]
    tender_id: str
    section_id: str
    bidder_id: Annotated[str, _text("the bidder's organization id")]
    envelope_sha256: Annotated[str, _text("lowercase hex SHA-256 of the stored envelope")]
    envelope_size: Annotated[int, _text("bytes")]
    server_time: Annotated[str, _text("the database clock when the bid was stored: ISO 8601 "
                                      "UTC with milliseconds, e.g. `2027-03-01T02:15:30.250Z`")]
    deadline: Annotated[str, _text("the bid deadline, same format")]
    log_promise: Annotated[int, _text(
        "the transparency log's promise number for the `bid.submitted` entry: the sequencer "
        "appends it within a second, and always before the tender's close entry; the entry's "
        "body names the same `promise`")]


class BidReceipt(msgspec.Struct):
    """The signed receipt (``ggzy-bid-receipt/2``): Ed25519 by the platform's receipt key over
    the RFC 8785 canonical JSON of ``{"type", "key_id", "fields"}``."""

    type: Annotated[str, _text("`ggzy-bid-receipt/2`")]
    key_id: Annotated[str, _text("16 hex: SHA-256(\"ggzy-receipt-key/1\" | 0x00 | public key)")]
    fields: ReceiptFields
    signature: Annotated[str, _text("base64 Ed25519 signature (64 bytes)")]


class ReceiptPublicKey(msgspec.Struct):
    """The platform's receipt-signing key, to verify receipts offline."""

    public_key_b64: Annotated[str, _text("raw Ed25519 public key (32 bytes), base64")]
    key_id: Annotated[str, _text("the `key_id` that receipts signed with this key carry")]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ProblemDetails, description=description,
                        media_type=PROBLEM_JSON, generate_examples=False)


SUBMIT_BID_RESPONSES = {
    201: ResponseSpec(data_container=BidReceipt, generate_examples=False,
                      description=f"Stored: the signed receipt ({SPEC}, Receipts)"),
    400: _problem("`bad_signature`: `X-Bid-Signature` or `X-Bidder-Public-Key` is not base64"),
    401: _problem("no valid bearer token"),
    403: _problem("not a bidder (`forbidden`), no organization (`no_organization`), or the "
                  "platform operator's organization (`R-26`)"),
    404: _problem("no such tender or section (`not_found`)"),
    409: _problem("`deadline_passed` (the deadline and the server time are in the message), or "
                  "`conflict` (the tender does not take bids now; a concurrent upload for the "
                  "same section: retry)"),
    413: _problem("`envelope_too_large`: above the size limit (from `Content-Length`, from the "
                  "header's sizes, or while streaming)"),
    422: _problem("the envelope is refused (`envelope_<reason>`: `not_encrypted`, `malformed`, "
                  "`unsupported`, `truncated`, `empty`, `wrong_target`, `wrong_key`, "
                  "`wrong_mode`, `bad_signature`)"),
}

RECEIPT_KEY_RESPONSES = {
    200: ResponseSpec(data_container=ReceiptPublicKey, generate_examples=False,
                      description="The receipt key; compare it with the one the trading center "
                                  "publishes elsewhere before trusting it"),
}


def _header(name: str, description: str) -> Parameter:
    return Parameter(name=name, param_in=ParamType.HEADER, required=False,
                     schema=Schema(type=OpenAPIType.STRING, content_encoding="base64"),
                     description=description)


@dataclass
class SubmitBidOperation(Operation):
    """The bid upload's operation: its raw request body and its optional signature headers."""

    def __post_init__(self) -> None:
        limit = config.max_bid_bytes()
        self.description = (
            f"The request body is the sealed envelope itself, streamed ({SPEC}): not JSON, not a "
            "form. Its clear header must name this tender, section and the caller's organization "
            "(lowercase UUIDs with dashes) and this tender's opening `key_id`. A new upload "
            "replaces the bidder's live bid for the section. Refused after the deadline by the "
            "database clock, checked in the transaction that stores the bid.")
        self.request_body = RequestBody(
            required=True,
            description=(f"The envelope bytes (magic `\\x89GGZYENV`), at most {limit} bytes on "
                         "this server (`GGZY_MAX_BID_BYTES`). Send `Content-Length` when known "
                         "(an announced size above the limit is refused before any byte is "
                         "read); chunked transfer is accepted."),
            content={"application/octet-stream": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY,
                              content_media_type="application/octet-stream",
                              description=f"a sealed-bid envelope, 1..{limit} bytes"))},
        )
        self.parameters = [
            *(self.parameters or []),
            _header("X-Bid-Signature", "optional detached Ed25519 signature (base64) over "
                    "\"ggzy-bid-signature/1\" | 0x00 | SHA-256(envelope); needs "
                    "X-Bidder-Public-Key"),
            _header("X-Bidder-Public-Key", "the raw Ed25519 public key (32 bytes, base64) "
                    "that made X-Bid-Signature"),
        ]
