"""Ingest throughput of the full pipeline vs a raw sqlite3 insert of the same rows.

    uv run python -m tests.benchmarks.bench_ingest                 # 100,000 MO messages
    uv run python -m tests.benchmarks.bench_ingest --messages 20000 --json

The pipeline run is `inbox.engine.ingest.ingest` on one InboundBatch (as a catch-up poll hands it):
dedupe by provider id, contacts and conversations, threading, the automation chain (about 2 % of the
texts are STOP / HELP / START variants that Inbox answers itself, so compliance writes opt-outs
and outbox replies), cursor and health, one transaction per chunk. Then the same batch once more:
a replay must store and queue nothing. The baseline is `sqlite3.executemany` of the very same
message rows into the messages table of an identically migrated database (its FTS trigger
included), one transaction, measured in the same run. Target: pipeline rate ≥ 0.25 × raw rate.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from inbox.core.models import InboundMessage, PollCursor
from inbox.engine.ingest import ingest
from inbox.providers.base import InboundBatch
from inbox.store import channels
from inbox.store.db import Database
from inbox.store.models import MessageRow

OUR_NUMBER = "+15550001111"
TARGET = 0.25
KEYWORDS = ("Stop.", "stop please", "Help!", "help?", "Start.", "STOP", "HELP", "UNSUBSCRIBE")
PHRASES = (
    "Hi, where is my order {n}?",
    "Can I change the delivery address for order {n}",
    "thanks!",
    "The package arrived damaged, what should I do",
    "Is the store open on Sunday?",
    "ok",
    "I was charged twice for order {n}, please refund",
    "When will my refund arrive? It has been {n} days",
    "Great service, thank you 👍",
    "Can someone call me back after 5pm",
)


def make_batch(count: int, phones: int, keyword_share: float, seed: int = 7) -> list[InboundMessage]:
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=count // 20 + 60)
    out = []
    for i in range(count):
        if rng.random() < keyword_share:
            body = rng.choice(KEYWORDS)
        else:
            body = rng.choice(PHRASES).format(n=rng.randrange(10_000, 99_999))
        out.append(
            InboundMessage(
                provider_message_id=f"SM{i:032x}",
                from_number=f"+1555{rng.randrange(phones):07d}",
                to_number=OUR_NUMBER,
                body=body,
                date_sent=start + timedelta(seconds=i // 20),  # 20 texts per second
                num_segments=1,
            )
        )
    return out


def fresh_database(folder: Path, name: str) -> tuple[Database, int]:
    db = Database(f"sqlite:///{folder / name}")
    db.upgrade()
    with db.write() as s:
        channel = channels.add(
            s,
            name="main",
            provider="twilio",
            number=OUR_NUMBER,
            account_sid="AC" + "0" * 32,
            base_url=None,
            auth_token_ref="env:BENCH_TOKEN",
            provider_handles_opt_out=True,
        )
    return db, channel.id


def raw_rate(folder: Path, batch: list[InboundMessage]) -> float:
    """sqlite3.executemany of the same message rows, one transaction: the floor."""
    db, channel_id = fresh_database(folder, "raw.sqlite3")
    db.dispose()
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    conn.execute("INSERT INTO contacts (phone, notes, created_at) VALUES ('+15550000000', '', '2024-01-01 00:00:00')")
    conn.execute(
        "INSERT INTO conversations (contact_id, channel_id, status, last_activity_at, unread_count,"
        " last_message_preview, flagged, failed_delivery, created_at)"
        " VALUES (1, ?, 'open', '2024-01-01 00:00:00', 0, '', 0, 0, '2024-01-01 00:00:00')",
        (channel_id,),
    )
    now = datetime.now(UTC).strftime(stamp)
    rows = [
        (
            1,
            channel_id,
            "inbound",
            m.body,
            m.provider_message_id,
            "received",
            "GSM-7",
            1,
            "customer",
            m.from_number,
            OUR_NUMBER,
            0,
            0,
            m.date_sent.strftime(stamp),
            m.date_sent.strftime(stamp),
            now,
        )
        for m in batch
    ]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO messages (conversation_id, channel_id, direction, body, provider_message_id, status, encoding,"
        " num_segments, author_kind, from_number, to_number, masked, attempts, created_at, sent_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(batch) / elapsed


def pipeline(folder: Path, batch: list[InboundMessage]) -> dict[str, float]:
    db, channel_id = fresh_database(folder, "pipeline.sqlite3")
    with db.read() as s:
        channel = channels.get(s, channel_id)
    assert channel is not None
    inbound = InboundBatch(messages=batch, cursor=PollCursor(max(m.date_sent for m in batch)))
    started = time.perf_counter()
    report = ingest(db, channel, inbound)
    elapsed = time.perf_counter() - started
    again = time.perf_counter()
    replay = ingest(db, channel, inbound)
    replay_elapsed = time.perf_counter() - again
    with db.read() as s:
        stored = s.scalar(select(func.count(MessageRow.id)).where(MessageRow.direction == "inbound"))
        queued = s.scalar(select(func.count(MessageRow.id)).where(MessageRow.direction == "outbound"))
    db.dispose()
    assert report.stored == stored == len(batch), (report.stored, stored)
    assert replay.stored == 0 and replay.replies_queued == 0 and replay.duplicates == len(batch)
    assert queued == report.replies_queued
    return {
        "rate": len(batch) / elapsed,
        "seconds": elapsed,
        "replies_queued": report.replies_queued,
        "replay_seconds": replay_elapsed,
    }


def run(messages: int, phones: int, keyword_share: float) -> dict[str, float]:
    batch = make_batch(messages, phones, keyword_share)
    with tempfile.TemporaryDirectory(prefix="inbox-bench-ingest-") as tmp:
        folder = Path(tmp)
        raw = raw_rate(folder, batch)
        result = pipeline(folder, batch)
    return {
        "messages": messages,
        "phones": phones,
        "keyword_share": keyword_share,
        "raw_rate": raw,
        "pipeline_rate": result["rate"],
        "pipeline_seconds": result["seconds"],
        "replies_queued": result["replies_queued"],
        "replay_seconds": result["replay_seconds"],
        "ratio": result["rate"] / raw,
        "target": TARGET,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--phones", type=int, default=20_000)
    parser.add_argument("--keyword-share", type=float, default=0.02)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.messages, args.phones, args.keyword_share)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"messages            {figures['messages']:>10,}  ({figures['phones']:,} phones)")
        print(f"raw executemany     {figures['raw_rate']:>10,.0f} msg/s")
        print(
            f"full ingest         {figures['pipeline_rate']:>10,.0f} msg/s"
            f"  ({figures['pipeline_seconds']:.1f} s, {figures['replies_queued']:,} replies queued)"
        )
        print(f"replay of the batch {figures['replay_seconds']:>10.1f} s   (nothing stored, nothing queued)")
        print(f"ratio               {figures['ratio']:>10.2f}   (target ≥ {TARGET})")
    return 0 if figures["ratio"] >= TARGET else 1


def test_ingest_throughput_ratio() -> None:
    figures = run(100_000, 20_000, 0.02)  # the 100,000 MO messages
    print(figures)
    assert figures["ratio"] >= TARGET, figures


if __name__ == "__main__":
    sys.exit(main())
