"""``ggzy custody ...``: the custodian's own tool for the dealer-free opening-key ceremony.

Everything secret happens on the custodian's machine, with its key file: dealing a random
polynomial, opening and checking the shares dealt to it, answering complaints, and after the
deadline deriving its share of the opening key from the public transcript. The platform only
ever receives signed public documents (docs/dkg.md) and, after the deadline, signed shares.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from bidding.cli.common import (
    TOKEN_ENV,
    CliError,
    check,
    client,
    echo_json,
    fail_from,
    passphrase,
    tender_path,
)
from bidding.sealing.crypto import custody, dkg, dkg_custodian


@click.group("custody")
def custody_group() -> None:
    """开标密钥保管人工具 — custodians' keys, the opening-key ceremony, opening shares."""


def _url_options(function: Any) -> Any:
    function = click.option("--tender", "tender_id", required=True)(function)
    function = click.option("--token", envvar=TOKEN_ENV)(function)
    return click.option("--url", required=True)(function)


def _key_option(function: Any) -> Any:
    return click.option("--key", "key_file", required=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path))(function)


# --------------------------------------------------------------------------- long-term keys

@custody_group.command("keygen")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kdf-iterations", default=custody.DEFAULT_KDF_ITERATIONS, hidden=True)
def keygen(out: Path, kdf_iterations: int) -> None:
    """Create your long-term key file (0600) and print the public document to register."""
    if out.exists():
        raise CliError(f"{out} 已存在，不会覆盖", f"{out} exists; not overwritten")
    keys = custody.generate_custodian_keys()
    try:
        custody.save_key_file(out, keys, passphrase(confirm=True), iterations=kdf_iterations)
    except FileExistsError as exc:
        raise CliError(f"{out} 已存在，不会覆盖", f"{out} exists; not overwritten") from exc
    except custody.CustodyError as exc:
        raise fail_from(exc) from exc
    public = keys.public()
    click.echo(f"指纹 / fingerprint: {custody.display_fingerprint(public.fingerprint)}", err=True)
    echo_json(public.to_document())


def public_of_key_file(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        public = custody.CustodianPublic.from_document("", document["public"])
    except (OSError, ValueError, KeyError, TypeError, custody.CustodyError) as exc:
        raise CliError("不是有效的保管人密钥文件", "not a valid custodian key file") from exc
    return public.to_document()


@custody_group.command("show-public")
@_key_option
def show_public(key_file: Path) -> None:
    """Print the public document of a key file (no passphrase needed)."""
    echo_json(public_of_key_file(key_file))


@custody_group.command("register")
@click.option("--url", required=True)
@click.option("--token", envvar=TOKEN_ENV)
@_key_option
def register(url: str, token: str | None, key_file: Path) -> None:
    """Register your public keys on the platform."""
    with client(url, token) as http:
        echo_json(check(http.post("/api/v1/custodians/me/keys",
                                  json=public_of_key_file(key_file))))


# --------------------------------------------------------------------------- the ceremony

def _load_keys(key_file: Path) -> custody.CustodianKeys:
    try:
        return custody.load_key_file(key_file, passphrase())
    except custody.CustodyError as exc:
        raise fail_from(exc) from exc


def _ceremony(http: Any, tender_id: str) -> dict[str, Any]:
    view = check(http.get(f"{tender_path(tender_id)}/ceremony"))
    if not isinstance(view, dict):
        raise CliError("平台返回的密钥生成状态无效", "the platform sent an invalid ceremony")
    return view


def _document(view: dict[str, Any], tender_id: str) -> dkg.Ceremony:
    try:
        document = dkg.Ceremony.from_document(view["ceremony"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CliError("平台返回的仪式文档无效", "the platform sent an invalid ceremony document") \
            from exc
    if document.tender_id != tender_id:
        raise CliError("仪式文档属于另一个项目", "the ceremony document is for another tender")
    return document


def _expect(view: dict[str, Any], state: str) -> None:
    if view.get("state") != state:
        raise CliError(f"现在不能做这一步：仪式处于「{view.get('state')}」阶段",
                       f"not now: the ceremony is at '{view.get('state')}'")


@custody_group.command("start")
@_url_options
def start(url: str, token: str | None, tender_id: str) -> None:
    """Start a new round of the ceremony (staff, or a custodian of the tender)."""
    with client(url, token) as http:
        view = check(http.post(f"{tender_path(tender_id)}/ceremony"))
    click.echo(f"第 {view['round']} 轮已开始，请各保管人运行 ggzy custody contribute / "
               f"round {view['round']} started; each custodian now runs ggzy custody contribute",
               err=True)


@custody_group.command("status")
@_url_options
def status(url: str, token: str | None, tender_id: str) -> None:
    """Where the ceremony stands (and, when completed, its key and transcript hash)."""
    with client(url, token) as http:
        view = _ceremony(http, tender_id)
    n = len(view["ceremony"]["custodians"])
    summary: dict[str, Any] = {
        "round": view["round"], "state": view["state"], "contributions": len(
            view["contributions"]), "checked": len(view["checked"]), "custodians": n,
        "complaints": len(view["complaints"]), "reveals": len(view["reveals"]),
        "failure": view.get("failure"), "transcript_hash": view.get("transcript_hash")}
    if view.get("transcript"):
        summary["key_id"] = view["transcript"]["key_id"]
    echo_json(summary)


def _confirm_roster(document: dkg.Ceremony, yes: bool) -> None:
    click.echo("请与各保管人核对指纹 / check each custodian's fingerprint:", err=True)
    for index, entry in enumerate(document.custodians, start=1):
        click.echo(f"  {index:>3}  {custody.display_fingerprint(entry.fingerprint)}", err=True)
    if not yes:
        click.confirm("指纹一致？/ fingerprints confirmed?", abort=True, err=True)


def secrets_path(key_file: Path, document: dkg.Ceremony) -> Path:
    return key_file.with_name(f"{key_file.stem}.{document.tender_id}.{document.ceremony_id}"
                              ".secrets.json")


def _save_secrets(path: Path, secrets: dkg.DealerSecrets, secret_passphrase: str) -> None:
    text = json.dumps(dkg_custodian.secrets_document(secrets, secret_passphrase))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise CliError(f"{path} 已存在：本轮已提交过贡献",
                       f"{path} exists: you already dealt in this round") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")


@custody_group.command("contribute")
@_url_options
@_key_option
@click.option("--secrets", "secrets_file", type=click.Path(dir_okay=False, path_type=Path),
              help="where to keep the dealing secrets (default: next to the key file)")
@click.option("--yes", is_flag=True, help="do not ask to confirm the fingerprints")
def contribute(url: str, token: str | None, tender_id: str, key_file: Path,
               secrets_file: Path | None, yes: bool) -> None:
    """Deal your random polynomial here and post the signed contribution."""
    secret_passphrase = passphrase()
    try:
        keys = custody.load_key_file(key_file, secret_passphrase)
    except custody.CustodyError as exc:
        raise fail_from(exc) from exc
    with client(url, token) as http:
        view = _ceremony(http, tender_id)
        _expect(view, "dealing")
        document = _document(view, tender_id)
        _confirm_roster(document, yes)
        try:
            contribution, secrets = dkg_custodian.deal(document, keys)
        except custody.CustodyError as exc:
            raise fail_from(exc) from exc
        _save_secrets(secrets_file or secrets_path(key_file, document), secrets, secret_passphrase)
        check(http.post(f"{tender_path(tender_id)}/ceremony/contributions",
                        json=contribution.to_document()))
    click.echo(f"第 {contribution.dealer} 号保管人的贡献已提交 / contribution of custodian "
               f"{contribution.dealer} posted", err=True)


def _contributions(view: dict[str, Any]) -> list[dkg.Contribution]:
    try:
        return [dkg.Contribution.from_document(c) for c in view["contributions"]]
    except (KeyError, TypeError, ValueError, custody.CustodyError) as exc:
        raise CliError("平台返回的贡献无效", "the platform sent an invalid contribution") from exc


@custody_group.command("check")
@_url_options
@_key_option
def check_shares(url: str, token: str | None, tender_id: str, key_file: Path) -> None:
    """Open and check every share dealt to you; complain (signed) about each bad one."""
    keys = _load_keys(key_file)
    with client(url, token) as http:
        view = _ceremony(http, tender_id)
        _expect(view, "checking")
        document = _document(view, tender_id)
        try:
            complaints = dkg_custodian.check_dealt_shares(document, _contributions(view), keys)
        except custody.CustodyError as exc:
            raise fail_from(exc) from exc
        check(http.post(f"{tender_path(tender_id)}/ceremony/checks",
                        json={"complaints": [c.to_document() for c in complaints]}))
    if complaints:
        named = ", ".join(str(c.accused) for c in complaints)
        click.echo(f"已投诉第 {named} 号保管人的份额 / complained about custodian(s) {named}",
                   err=True)
    else:
        click.echo("发给您的份额全部核验通过 / every share dealt to you checks", err=True)


@custody_group.command("answer")
@_url_options
@_key_option
@click.option("--secrets", "secrets_file", type=click.Path(dir_okay=False, path_type=Path))
def answer(url: str, token: str | None, tender_id: str, key_file: Path,
           secrets_file: Path | None) -> None:
    """Answer complaints against you by revealing the complained-of shares."""
    secret_passphrase = passphrase()
    with client(url, token) as http:
        view = _ceremony(http, tender_id)
        _expect(view, "answering")
        document = _document(view, tender_id)
        path = secrets_file or secrets_path(key_file, document)
        try:
            keys = custody.load_key_file(key_file, secret_passphrase)
            secrets = dkg_custodian.secrets_from_document(
                json.loads(path.read_text(encoding="utf-8")), secret_passphrase)
            complaints = [dkg.Complaint.from_document(c) for c in view["complaints"]]
            reveals = dkg_custodian.answer_complaints(document, _contributions(view), complaints,
                                                      secrets, keys)
        except OSError as exc:
            raise CliError(f"无法读取 {path}", f"cannot read {path}") from exc
        except (ValueError, custody.CustodyError) as exc:
            raise fail_from(exc) from exc
        if not reveals:
            click.echo("没有针对您的投诉 / no complaint against you", err=True)
            return
        check(http.post(f"{tender_path(tender_id)}/ceremony/reveals",
                        json={"reveals": [r.to_document() for r in reveals]}))
    click.echo(f"已答复 {len(reveals)} 项投诉 / answered {len(reveals)} complaint(s)", err=True)


@custody_group.command("advance")
@_url_options
def advance(url: str, token: str | None, tender_id: str) -> None:
    """Staff: close the current phase when a custodian stays away."""
    with client(url, token) as http:
        view = check(http.post(f"{tender_path(tender_id)}/ceremony/advance"))
    echo_json({"round": view["round"], "state": view["state"], "failure": view.get("failure")})


# --------------------------------------------------------------------------- after the deadline

def checked_transcript(http: Any, tender_id: str) -> dkg.Transcript:
    """The completed transcript, checked in full here and against the tender's key."""
    view = _ceremony(http, tender_id)
    tender = check(http.get(tender_path(tender_id)))
    try:
        transcript = dkg.Transcript.from_document(view["transcript"])
        dkg.verify_transcript(transcript)
    except (KeyError, TypeError, ValueError, custody.CustodyError) as exc:
        raise CliError("密钥生成记录无效或不完整", "the ceremony transcript is invalid or "
                       "incomplete") from exc
    opening = tender.get("opening") or {}
    if (opening.get("key_id") != transcript.key_id
            or opening.get("transcript_hash") != transcript.hash):
        raise CliError("项目的开标公钥与密钥生成记录不符，请联系监管部门",
                       "the tender's opening key does not match the ceremony transcript; "
                       "tell the regulator")
    return transcript


@custody_group.command("open-share")
@_url_options
@_key_option
@click.option("--print-only", is_flag=True, help="print the signed share instead of submitting")
def open_share(url: str, token: str | None, tender_id: str, key_file: Path,
               print_only: bool) -> None:
    """After the deadline: derive your share from the transcript here, sign and submit it."""
    keys = _load_keys(key_file)
    with client(url, token) as http:
        transcript = checked_transcript(http, tender_id)
        try:
            body = dkg_custodian.share_submission(transcript, keys)
        except custody.CustodyError as exc:
            raise fail_from(exc) from exc
        if print_only:
            echo_json(body)
            return
        result = check(http.post(f"{tender_path(tender_id)}/shares", json=body))
    click.echo("份额已提交 / share submitted", err=True)
    echo_json(result)
