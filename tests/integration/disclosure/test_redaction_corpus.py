"""The redaction corpus: no ID or mobile number (nor a marked secret) reaches any public output.

Each corpus notice is published for real; then every public surface is fetched over HTTP: the
notice page, the tender page, the list and search page, the Atom feed, the JSON API, the change
feed and the OCDS release and record packages. Numbers are looked for as bare digits (full-width
folded, separators dropped), so a masked number cannot hide behind its formatting either.
"""

from __future__ import annotations

import json

from disclosure import ocds
from tests.integration.disclosure.conftest import bare, corpus, publish
from trading import db


def _public_outputs(client, notices) -> dict[str, str]:
    outputs = {
        "list": client.get("/notices").text,
        "atom": client.get("/feeds/atom").text,
        "changes": client.get("/api/v1/notices/changes", params={"limit": 500}).text,
        "api_list": client.get("/api/v1/notices").text,
        "ocds_releases": client.get("/api/v1/ocds/releases", params={"limit": 500}).text,
        "ocds_records": client.get("/api/v1/ocds/records", params={"limit": 100}).text,
    }
    for done, notice in notices:
        outputs[f"page {notice['tender_ref']}"] = client.get(done.url).text
        outputs[f"tender {notice['tender_ref']}"] = client.get(
            f"/tenders/{notice['tender_ref']}").text
        outputs[f"api {notice['tender_ref']}"] = client.get(f"/api/v1/notices/{done.id}").text
    with db.read_only() as session:
        outputs["ocds_export"] = json.dumps(ocds.full_release_package(session),
                                            ensure_ascii=False)
        outputs["ocds_export_records"] = json.dumps(ocds.full_record_package(session),
                                                    ensure_ascii=False)
    return outputs


def test_corpus_is_large_and_varied():
    notices = corpus()
    assert len(notices) >= 30
    numbers = [n for notice in notices for n in notice["sensitive"]]
    assert sum(len(n) == 18 for n in numbers) >= 30 and sum(len(n) == 11 for n in numbers) >= 60
    assert len({notice["notice_type"] for notice in notices}) >= 6


def test_no_id_or_mobile_number_leaks_anywhere(client):
    notices = corpus()
    published = [(publish(n["notice_type"], n["tender_ref"], title=n["title"], data=n["data"],
                          region=n["region"], category=n["category"],
                          secret_fields=n["secret_fields"]), n) for n in notices]
    outputs = _public_outputs(client, published)
    assert all(text for text in outputs.values())
    leaks = []
    for name, text in outputs.items():
        flat = bare(text)
        for notice in notices:
            leaks += [(name, n) for n in notice["sensitive"] if n in flat]
            leaks += [(name, s[:20]) for s in notice["secrets"] if s in text]
    assert leaks == []
    # The regulator's copy still has them: the corpus really holds what we claim it holds.
    from disclosure import services
    from tests.integration.disclosure.conftest import STAFF_ACTOR

    with db.transaction() as session:
        for done, notice in published:
            _, private = services.unredacted(session, STAFF_ACTOR, done.id)
            flat = bare(json.dumps([private.title, private.data], ensure_ascii=False))
            assert all(n in flat for n in notice["sensitive"])
