"""The provider journal: raw answers of consume-once providers, committed before they are parsed.

A consume-once provider (Infobip's inbound and delivery-report lists) hands each message out once
and takes no acknowledgement. Its answer is written here, as it came, in a transaction of its own;
only then is it parsed and ingested (another transaction), and the row marked `done_at`. A crash
between the two leaves a row without `done_at`, which the next poll ingests first: what was taken
from the provider is never lost once it is here. Done rows are pruned by the housekeeping job.

Nothing here is shown to a person (the messages it yields are, through `messages`), so the table
has no change-feed trigger.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from inbox.store.models import Base, utcnow


class ProviderJournalRow(Base):
    __tablename__ = "provider_journal"
    __table_args__ = (Index("ix_provider_journal_pending", "channel_id", "kind", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "inbound" or "reports"
    body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
