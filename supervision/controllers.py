"""The supervision JSON API: checkpoints and proofs (public: anyone may witness the log),
entries, exports, alerts and red flags (regulators), and the provincial data exchange (R-51).

The only writes a regulator can make here are cosignatures: a witness's statement about a
checkpoint, verified against the key registered for that regulator, which changes nothing
else. Registering a witness key is an administrator's act.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision import alerts, checkpoints, export, redflags, services
from supervision.schemas import (
    AlertOut,
    CheckpointOut,
    CheckpointPage,
    ConsistencyOut,
    CosignatureIn,
    EntryOut,
    EntryPage,
    InclusionOut,
    LogKeyOut,
    ProvenEntryOut,
    RedFlagOut,
    WitnessKeyIn,
    WitnessKeyOut,
)
from trading import db
from trading.accounts.models import Role, User
from trading.errors import NotFoundError, UserError
from trading.params import Cursor, OptionalTreeSize, PageLimit, Seq, TreeSize
from trading.web import actor_of, blocking, current_user, requires_role

REGULATOR = [requires_role(Role.REGULATOR)]
MAX_PAGE = 1000
EXPORT_CHUNK = 500


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def checkpoint_out(signed: checkpoints.SignedCheckpoint) -> CheckpointOut:
    return CheckpointOut(size=signed.size, root=b64(signed.root), note=signed.note,
                         reason=signed.reason, created_at=signed.created_at,
                         cosignatures=signed.cosignatures)


def entry_out(entry: services.Entry) -> EntryOut:
    return EntryOut(seq=entry.seq, time=entry.created_at, actor_user_id=entry.actor.user_id,
                    actor_role=entry.actor.role, actor_ip=entry.actor.ip, action=entry.action,
                    subject=entry.subject, body=entry.body, canonical=entry.canonical.decode(),
                    leaf_hash=b64(entry.leaf_hash))


def _bad_size(error: ValueError) -> UserError:
    # Never the live size: it would let anyone watch the log grow before a deadline.
    return UserError("请求的树大小或序号不在最新已签名检查点的范围内",
                     "the size or index is not within the newest signed checkpoint",
                     field="size")


def _within_checkpoint(session: Session, *sizes: int) -> None:
    """Proofs are given only up to the newest signed checkpoint (the only size anyone is told)."""
    if any(size > services.published_size(session) for size in sizes):
        raise _bad_size(ValueError("beyond the newest checkpoint"))


# --- public: the log's key, checkpoints, consistency -----------------------------------------


@get("/api/v1/log/key", operation_id="getLogKey", summary="The platform's checkpoint verifier key")
async def log_key() -> LogKeyOut:
    return await blocking(lambda: LogKeyOut(origin=checkpoints.signing_key().name,
                                            vkey=checkpoints.log_vkey()))


@get("/api/v1/log/checkpoint", operation_id="getLatestCheckpoint",
     summary="The newest signed checkpoint (C2SP tlog-checkpoint note, with cosignatures)")
async def latest_checkpoint() -> CheckpointOut:
    return await blocking(_latest)


def _latest() -> CheckpointOut:
    with db.read_only() as session:
        signed = checkpoints.latest_checkpoint(session)
    if signed is None:
        raise NotFoundError("检查点", "checkpoint")
    return checkpoint_out(signed)


@get("/api/v1/log/checkpoints/{size:int}", operation_id="getCheckpoint",
     summary="The signed checkpoint of a given tree size")
async def checkpoint_by_size(size: FromPath[TreeSize]) -> CheckpointOut:
    return await blocking(_by_size, size)


def _by_size(size: int) -> CheckpointOut:
    with db.read_only() as session:
        signed = checkpoints.checkpoint_at(session, size)
    if signed is None:
        raise NotFoundError(f"大小为 {size} 的检查点", f"checkpoint of size {size}")
    return checkpoint_out(signed)


@get("/api/v1/log/consistency", operation_id="getConsistencyProof",
     summary="RFC 9162 consistency proof between two tree sizes")
async def consistency(first: FromQuery[TreeSize], second: FromQuery[TreeSize]) -> ConsistencyOut:
    return await blocking(_consistency, first, second)


def _consistency(first: int, second: int) -> ConsistencyOut:
    with db.read_only() as session:
        _within_checkpoint(session, first, second)
        try:
            proof = services.consistency_proof(session, first, second)
        except ValueError as error:
            raise _bad_size(error) from None
    return ConsistencyOut(first=first, second=second, proof=[b64(p) for p in proof])


@get("/api/v1/log/inclusion", operation_id="getInclusionProof", guards=[requires_role()],
     summary="RFC 9162 inclusion proof of entry `index` in the tree of `size`")
async def inclusion(index: FromQuery[Seq], size: FromQuery[TreeSize]) -> InclusionOut:
    return await blocking(_inclusion, index, size)


def _inclusion(index: int, size: int) -> InclusionOut:
    with db.read_only() as session:
        _within_checkpoint(session, size)
        try:
            proof = services.inclusion_proof(session, index, size)
        except ValueError as error:
            raise _bad_size(error) from None
        entry = services.get_entry(session, index)
    assert entry is not None
    return InclusionOut(index=index, size=size, leaf_hash=b64(entry.leaf_hash),
                        proof=[b64(p) for p in proof])


# --- regulators ----------------------------------------------------------------------------


@get("/api/v1/log/entries/{seq:int}", operation_id="getLogEntry", guards=REGULATOR,
     summary="One entry with its inclusion proof against the newest checkpoint")
async def log_entry(seq: FromPath[Seq]) -> ProvenEntryOut:
    return await blocking(_proven_entry, seq)


def _proven_entry(seq: int) -> ProvenEntryOut:
    with db.read_only() as session:
        signed = checkpoints.latest_checkpoint(session)
        # An entry past the newest checkpoint is "not found", like one past the log's end:
        # looking entries up must not tell the live size.
        entry = services.get_entry(session, seq) if signed and 0 <= seq < signed.size else None
        if entry is None or signed is None:
            raise NotFoundError(f"日志条目 {seq}", f"log entry {seq}")
        proof = services.inclusion_proof(session, seq, signed.size)
    return ProvenEntryOut(entry=entry_out(entry), checkpoint=checkpoint_out(signed) if signed else None,
                          inclusion_proof=[b64(p) for p in proof])


@get("/api/v1/log/export", operation_id="exportLog", guards=REGULATOR,
     summary="The log up to a signed checkpoint (default the newest; `size=N` that of size N; "
             "`witnessed=true` the newest a witness cosigned, `witness=name` repeatable), as a "
             "ggzy-log-export/v1 JSON Lines stream")
async def export_log(size: FromQuery[OptionalTreeSize] = None, witnessed: FromQuery[bool] = False,
                     witness: FromQuery[list[str] | None] = None) -> Stream:
    # Chosen before the stream's headers are sent: bad input is a 400, a missing checkpoint
    # a 404, never a broken stream.
    end = await blocking(export.choose_end, size, witnessed, tuple(witness or ()))
    return Stream(content=export_chunks(end), media_type="application/jsonl",
                  headers={"content-disposition": f'attachment; filename="ggzy-log-{end}.jsonl"'})


def export_chunks(upto: int | None = None) -> Iterator[bytes]:
    """Lines batched, so the stream crosses to a worker thread once per chunk, not per line."""
    batch: list[bytes] = []
    for line in export.export_lines(upto):
        batch.append(line)
        if len(batch) >= EXPORT_CHUNK:
            yield b"".join(batch)
            batch = []
    yield b"".join(batch)


@post("/api/v1/log/cosignatures", operation_id="addCosignature", guards=REGULATOR, status_code=201,
      summary="A regulator's witness uploads its cosignature of a checkpoint")
async def add_cosignature(request: Request[Any, Any, Any], data: JSONBody[CosignatureIn]) -> CheckpointOut:
    return await blocking(_add_cosignature, request, data)


def _add_cosignature(request: Request[Any, Any, Any], data: CosignatureIn) -> CheckpointOut:
    user = current_user(request)
    assert user is not None
    with db.transaction() as session:
        signed = checkpoints.add_cosignature(session, actor_of(request), user.id, data.size,
                                             data.cosignature)
    return checkpoint_out(signed)


@post("/api/v1/supervision/witness-keys", operation_id="registerWitnessKey",
      guards=[requires_role(Role.ADMIN)], status_code=201,
      summary="(Administrator) register a regulator's witness verifier key")
async def register_witness_key(
    request: Request[Any, Any, Any], data: JSONBody[WitnessKeyIn]
) -> WitnessKeyOut:
    return await blocking(_register, request, data)


def _register(request: Request[Any, Any, Any], data: WitnessKeyIn) -> WitnessKeyOut:
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == data.username))
        if user is None or Role.REGULATOR.value not in user.role_names:
            raise UserError(f"没有名为 {data.username} 的监管账户",
                            f"no regulator account {data.username}", field="username")
        row = checkpoints.register_witness_key(session, actor_of(request), user.id, data.vkey)
        return WitnessKeyOut(id=row.id, name=row.name, vkey=row.vkey)


def alert_out(alert: alerts.Alert) -> AlertOut:
    return AlertOut(id=alert.id, kind=alert.kind, subject=alert.subject,
                    responsible_role=alert.responsible_role, label_zh=alert.label_zh,
                    label_en=alert.label_en, due_at=alert.due_at, yellow_at=alert.yellow_at,
                    state=alert.effective_state, cleared_at=alert.cleared_at,
                    resolution=alert.resolution)


@get("/api/v1/supervision/alerts", operation_id="listAlerts", guards=REGULATOR,
     summary="Every e-supervision alert (state against the database clock)")
async def list_alerts(include_cleared: FromQuery[bool] = False) -> list[AlertOut]:
    return await blocking(_alerts, None, include_cleared)


@get("/api/v1/supervision/my-alerts", operation_id="listMyAlerts", guards=[requires_role()],
     summary="The alerts the caller's roles answer for")
async def my_alerts(request: Request[Any, Any, Any]) -> list[AlertOut]:
    user = current_user(request)
    assert user is not None
    # Only the caller's organization's alerts (and those of none): issue 10, item 4.
    org = str(user.organization_id) if user.organization_id else None
    return await blocking(_alerts, frozenset(user.roles), False, org)


def _alerts(roles: frozenset[str] | None, include_cleared: bool,
            organization_id: str | None = None) -> list[AlertOut]:
    with db.read_only() as session:
        return [alert_out(a) for a in alerts.list_alerts(session, roles, include_cleared,
                                                         organization_id=organization_id)]


def flag_out(flag: redflags.StoredFlag) -> RedFlagOut:
    return RedFlagOut(id=flag.id, tender_subject=flag.tender_subject, stage=flag.stage,
                      rule=flag.rule, bidders=flag.bidders, evidence=flag.evidence,
                      log_seq=flag.log_seq, created_at=flag.created_at)


@get("/api/v1/supervision/red-flags", operation_id="listRedFlags", guards=REGULATOR,
     summary="Collusion red flags with their evidence")
async def list_red_flags(tender: FromQuery[str | None] = None) -> list[RedFlagOut]:
    return await blocking(_flags, tender)


def _flags(tender: str | None) -> list[RedFlagOut]:
    with db.read_only() as session:
        return [flag_out(f) for f in redflags.list_flags(session, tender)]


# --- the provincial supervision platform's data exchange (R-51) ------------------------------


@get("/api/v1/supervision/exchange/entries", operation_id="exchangeEntries", guards=REGULATOR,
     summary="Log entries after a sequence number, paged (pass next_after back as after)")
async def exchange_entries(after: FromQuery[Cursor] = -1, limit: FromQuery[PageLimit] = 100) -> EntryPage:
    return await blocking(_entry_page, after, limit)


def _entry_page(after: int, limit: int) -> EntryPage:
    limit = max(1, min(limit, MAX_PAGE))
    with db.read_only() as session:
        # Up to the newest signed checkpoint: the exchange tells no live size either.
        found = services.entries(session, after=after, limit=limit,
                                 before=services.published_size(session))
    return EntryPage(entries=[entry_out(e) for e in found],
                     next_after=found[-1].seq if len(found) == limit else None)


@get("/api/v1/supervision/exchange/checkpoints", operation_id="exchangeCheckpoints",
     guards=REGULATOR, summary="Signed checkpoints after a tree size, paged")
async def exchange_checkpoints(after: FromQuery[Cursor] = -1,
                               limit: FromQuery[PageLimit] = 100) -> CheckpointPage:
    return await blocking(_checkpoint_page, after, limit)


def _checkpoint_page(after: int, limit: int) -> CheckpointPage:
    limit = max(1, min(limit, MAX_PAGE))
    with db.read_only() as session:
        found = checkpoints.list_checkpoints(session, after=after, limit=limit)
    return CheckpointPage(checkpoints=[checkpoint_out(c) for c in found],
                          next_after=found[-1].size if len(found) == limit else None)


ROUTES = [log_key, latest_checkpoint, checkpoint_by_size, consistency, inclusion, log_entry,
          export_log, add_cosignature, register_witness_key, list_alerts, my_alerts,
          list_red_flags, exchange_entries, exchange_checkpoints]
