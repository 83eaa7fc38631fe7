"""What a custodian's own tool does in a key ceremony, with nothing but its key file.

Used by ``ggzy custody ...`` (bidding/cli/custodian.py), the demo and the tests: find one's
number on the roster, deal, check the shares dealt to oneself (complaining about bad ones),
answer complaints against oneself, and after the deadline derive one's share of the opening
key again from the public transcript (so no share is ever stored anywhere). The dealer's
ephemeral keys, needed only to answer complaints, are kept in a passphrase-protected file
next to the key file and can be erased once the ceremony is over.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.common import b64decode, b64encode

SECRETS_FORMAT = "ggzy-dkg-dealer-secrets/1"


def my_index(ceremony: dkg.Ceremony, keys: custody.CustodianKeys) -> int:
    """One's number in the roster, found by one's own public keys (not by what the platform
    says), so a roster that swapped one's key is noticed here."""
    mine = keys.public()
    for index, entry in enumerate(ceremony.custodians, start=1):
        if (entry.hpke_public_key, entry.signing_public_key) == (
                mine.hpke_public_key, mine.signing_public_key):
            return index
    raise dkg.DkgError("not_on_roster", "您的密钥不在本轮密钥生成的保管人名单中",
                       "your key is not on this ceremony's roster")


def deal(ceremony: dkg.Ceremony, keys: custody.CustodianKeys) -> tuple[
        dkg.Contribution, dkg.DealerSecrets]:
    return dkg.make_contribution(ceremony, my_index(ceremony, keys), keys)


def check_dealt_shares(ceremony: dkg.Ceremony, contributions: Sequence[dkg.Contribution],
                       keys: custody.CustodianKeys) -> list[dkg.Complaint]:
    """Open and check every share dealt to oneself; a signed complaint for each bad one."""
    index = my_index(ceremony, keys)
    complaints = []
    for contribution in contributions:
        if contribution.dealer == index:
            continue
        try:
            dkg.open_share(ceremony, contribution, index, keys)
        except dkg.DealtShareError as bad:
            complaints.append(dkg.make_complaint(ceremony, contribution, index, bad.code, keys))
    return complaints


def answer_complaints(ceremony: dkg.Ceremony, contributions: Sequence[dkg.Contribution],
                      complaints: Sequence[dkg.Complaint], secrets: dkg.DealerSecrets,
                      keys: custody.CustodianKeys) -> list[dkg.Reveal]:
    """Reveals for the complaints against oneself (the others' are not one's business)."""
    index = my_index(ceremony, keys)
    mine = next((c for c in contributions if c.dealer == index), None)
    against = [c for c in complaints if c.accused == index]
    if mine is None or not against:
        return []
    return [dkg.answer_complaint(ceremony, mine, c, secrets, keys) for c in against]


def share_from_transcript(transcript: dkg.Transcript,
                          keys: custody.CustodianKeys) -> tuple[int, int]:
    """(index, x_j): one's share of the opening key, opened again from the transcript."""
    index = my_index(transcript.ceremony, keys)
    by_dealer = {c.dealer: c for c in transcript.contributions}
    dealt: dict[int, int] = {}
    for dealer in transcript.qual:
        try:
            dealt[dealer] = dkg.open_share(transcript.ceremony, by_dealer[dealer], index, keys)
        except dkg.DealtShareError:
            continue  # a share revealed after a (false) complaint is taken from the transcript
    return index, dkg.secret_share(transcript, index, dealt)


def share_submission(transcript: dkg.Transcript, keys: custody.CustodianKeys) -> dict[str, str]:
    """The body of ``POST /api/v1/tenders/{id}/shares``: the share, signed."""
    index, share = share_from_transcript(transcript, keys)
    raw = dkg.encode_scalar(share)
    custodian = transcript.ceremony.custodian(index).custodian_id
    tender_id = transcript.ceremony.tender_id
    signature = custody.sign_share_submission(raw, tender_id, custodian, keys.signing_key)
    return {"share_b64": b64encode(raw), "signature_b64": b64encode(signature),
            "custodian_id": custodian}


def secrets_document(secrets: dkg.DealerSecrets, passphrase: str, *,
                     iterations: int = custody.DEFAULT_KDF_ITERATIONS) -> dict[str, Any]:
    payload = json.dumps({"dealer": secrets.dealer, "contribution": secrets.contribution,
                          "ephemeral_keys": [b64encode(dkg.encode_scalar(e))
                                             for e in secrets.ephemeral_keys]}).encode()
    return custody.protect(payload, passphrase, SECRETS_FORMAT, iterations=iterations)


def secrets_from_document(document: Mapping[str, Any], passphrase: str) -> dkg.DealerSecrets:
    data = json.loads(custody.unprotect(document, passphrase, SECRETS_FORMAT))
    try:
        return dkg.DealerSecrets(int(data["dealer"]), str(data["contribution"]), tuple(
            dkg.decode_scalar(b64decode(e)) for e in data["ephemeral_keys"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise custody.KeyFileError("不是有效的密钥生成秘密文件",
                                   "not a valid dealer secrets file") from exc
