"""Tables of the evaluation added after ``bidding.models`` was full: the committee's price
adjustments of the lowest evaluated price method. Registered by one import at the end of
``bidding.models`` (the one ``models_module`` of the domain); foreign keys by name, so that this
module needs nothing from it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, ForeignKey, Integer, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class PriceAdjustment(Base):
    """One price adjustment (评标价格调整) of a bid by the committee, lowest evaluated price
    method (评标委员会和评标方法暂行规定 第三十二条): a deviation priced in, up (positive) or down
    (negative), in fen, with its reason; recorded by the chair. The evaluated price is the bid
    price plus the bid's adjustments."""

    __tablename__ = "evaluation_price_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
