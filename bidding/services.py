"""The bidding domain's operations: the only module other domains may import.

The work is split by the stage of a tender's life (``tendering``, ``sealing``, ``submission``,
``opening``; docs/bidding.md); this module re-exports what other domains need.
"""

from __future__ import annotations

from bidding.award.services import Award, Candidate, awarded
from bidding.committee_facts import DrawableSection, SectionFacts, section_facts, sections_for_draw
from bidding.demo_evaluation import tender_for_draw as demo_evaluation_tender
from bidding.lookup import get_tender, sections_of
from bidding.opening.records import Progress, build_record, progress, record_of
from bidding.opening.shares import submit_share, try_reconstruct
from bidding.sealing.panels import register_key
from bidding.security.refunds import refunds_after_award
from bidding.submission.intake import precheck, withdraw
from bidding.submission.storing import accept
from bidding.tendering.clarifications import clarify
from bidding.tendering.documents import add_document
from bidding.tendering.objections import raise_objection
from bidding.tendering.tenders import (
    SectionInput,
    TenderInput,
    cancel,
    create_tender,
    list_tenders,
    publish,
    transition,
)

__all__ = [
    "Award",
    "Candidate",
    "DrawableSection",
    "Progress",
    "SectionFacts",
    "SectionInput",
    "TenderInput",
    "accept",
    "add_document",
    "awarded",
    "build_record",
    "cancel",
    "clarify",
    "create_tender",
    "demo_evaluation_tender",
    "get_tender",
    "list_tenders",
    "precheck",
    "progress",
    "publish",
    "raise_objection",
    "record_of",
    "refunds_after_award",
    "register_key",
    "section_facts",
    "sections_for_draw",
    "sections_of",
    "submit_share",
    "transition",
    "try_reconstruct",
    "withdraw",
]
