"""Benchmark: export 1,000,000 messages to CSV, against a raw sqlite3 → csv.writer dump of the same rows.

Run: uv run python -m tests.benchmarks.bench_export [--messages N] [--xlsx]

The raw dump is the floor: the same joined SELECT, written with csv.writer and no processing at
all. Our export also converts times to the viewer's zone, masks codes, marks purged text and
neutralises formula-looking cells, streaming in batches. Target: throughput ratio >= 0.6.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from inbox.reports import exports
from inbox.reports.filters import ReportFilter
from inbox.store.db import Database

RAW_SQL = """
SELECT m.id, m.conversation_id, m.created_at, ch.name, c.phone, c.display_name, m.direction, m.author_kind,
       m.author, m.status, m.error_code, m.error_message, m.num_segments, m.masked, m.body
FROM messages m JOIN conversations v ON v.id = m.conversation_id JOIN contacts c ON c.id = v.contact_id
JOIN channels ch ON ch.id = m.channel_id ORDER BY m.id
"""


def populate(path: Path, messages: int, per_conversation: int = 1000) -> None:
    """Fast bulk inserts with sqlite3 (one transaction, executemany) into a migrated database."""
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    conversations = max(1, messages // per_conversation)
    with conn:
        conn.execute(
            "INSERT INTO channels (id, name, provider, number, account_sid, base_url, auth_token_ref, "
            "provider_handles_opt_out, help_text, poll_interval_seconds, active, created_at) "
            "VALUES (1, 'main', 'twilio', '+15550001111', 'AC', NULL, 'env:X', 1, '', 5, 1, ?)",
            (t0.strftime(stamp),),
        )
        conn.executemany(
            "INSERT INTO contacts (id, phone, display_name, notes, created_at) VALUES (?, ?, ?, '', ?)",
            ((i, f"+1555{i:07d}", f"Customer {i}", t0.strftime(stamp)) for i in range(1, conversations + 1)),
        )
        conn.executemany(
            "INSERT INTO conversations (id, contact_id, channel_id, status, last_activity_at, unread_count, "
            "last_message_preview, flagged, failed_delivery, created_at) VALUES (?, ?, 1, 'open', ?, 0, '', 0, 0, ?)",
            ((i, i, t0.strftime(stamp), t0.strftime(stamp)) for i in range(1, conversations + 1)),
        )

        def rows():
            for n in range(messages):
                conv = n % conversations + 1
                inbound = n % 2 == 0
                at = (t0 + timedelta(seconds=n)).strftime(stamp)
                body = "=SUM(A1)" if n % 97 == 0 else f"Message number {n}: hello, how can we help? 😀"
                yield (
                    conv,
                    "inbound" if inbound else "outbound",
                    body,
                    None if not inbound else f"SM{n:032x}",
                    "received" if inbound else "delivered",
                    "customer" if inbound else "agent",
                    None if inbound else "alice",
                    n % 50 == 1,
                    at,
                    at,
                )

        conn.executemany(
            "INSERT INTO messages (conversation_id, channel_id, direction, body, provider_message_id, status, "
            "encoding, num_segments, author_kind, author, from_number, to_number, masked, attempts, created_at, "
            "updated_at) VALUES (?, 1, ?, ?, ?, ?, 'GSM-7', 1, ?, ?, '', '', ?, 0, ?, ?)",
            rows(),
        )
    conn.close()


def raw_dump(path: Path, out: Path) -> int:
    conn = sqlite3.connect(path)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        cur = conn.execute(RAW_SQL)
        count = 0
        while batch := cur.fetchmany(5000):
            writer.writerows(batch)
            count += len(batch)
    conn.close()
    return count


TARGET_RATIO = 0.6


def main(argv: list[str] | None = None) -> float:
    """Print both throughputs; returns the ratio export ÷ raw dump."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--xlsx", action="store_true", help="also time the XLSX export (slow: openpyxl)")
    parser.add_argument("--tz", default="UTC", help="viewer time zone of the export (default UTC)")
    args = parser.parse_args(argv)
    zone = ZoneInfo(args.tz)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dbfile = folder / "bench.sqlite3"
        t = time.perf_counter()
        populate(dbfile, args.messages)
        print(f"populated {args.messages:,} messages in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        raw_rows = raw_dump(dbfile, folder / "raw.csv")
        raw = time.perf_counter() - t

        db = Database(f"sqlite:///{dbfile}")
        t = time.perf_counter()
        result = exports.export_messages(db, "bench", ReportFilter(), "csv", folder / "ours.csv", tz=zone)
        ours = time.perf_counter() - t
        assert result.rows == raw_rows == args.messages, (result.rows, raw_rows)
        print(f"raw sqlite3 -> csv.writer: {raw:6.2f} s  {raw_rows / raw:>10,.0f} rows/s")
        print(f"inbox export_messages csv: {ours:6.2f} s  {result.rows / ours:>10,.0f} rows/s")
        print(f"throughput ratio: {raw / ours:.2f} (target >= {TARGET_RATIO})")
        if args.xlsx:
            t = time.perf_counter()
            exports.export_messages(db, "bench", ReportFilter(), "xlsx", folder / "ours.xlsx", tz=zone)
            took = time.perf_counter() - t
            print(f"inbox export_messages xlsx: {took:6.2f} s  {result.rows / took:>10,.0f} rows/s")
        db.dispose()
    return raw / ours


def test_export_throughput_ratio() -> None:
    """1,000,000 messages exported as CSV at >= 0.6 of a raw sqlite3 -> csv.writer dump."""
    assert main([]) >= TARGET_RATIO


if __name__ == "__main__":
    main()
