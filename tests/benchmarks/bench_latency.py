"""MO-to-auto-reply latency through a real `inbox daemon` polling the simulator every second.

    uv run python -m tests.benchmarks.bench_latency               # 200 keyword texts, p99 target 1.3 s
    uv run python -m tests.benchmarks.bench_latency --texts 50 --json

Customers text "Help!" (a variant the provider does not answer, so Inbox must) at random moments,
each from their own phone. Latency runs from just before the customer's text reaches the simulator
to the moment the simulator accepts Inbox's reply to that phone (delivery delay 0: it is on the
phone then). A 1 s poll interval alone contributes a uniform 0–1 s wait, so the target of 1.3 s at
p99 leaves about 0.3 s for fetch, ingest, the automation, waking the sender and the send itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store import channels
from inbox.store.db import Database

OUR_NUMBER = "+15550001111"
TOKEN_ENV = "INBOX_BENCH_TWILIO_TOKEN"
HELP_TEXT = "Acme support: reply STOP to opt out."
TARGET_P99 = 1.3


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(texts: int, poll_interval: float, mean_gap: float, seed: int = 3) -> dict[str, object]:
    rng = random.Random(seed)
    config = SimulatorConfig(
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        numbers=(OUR_NUMBER,),
        delivery_delay=0.0,
        seed=seed,
    )
    with (
        tempfile.TemporaryDirectory(prefix="inbox-bench-latency-") as tmp,
        SimulatorServer(config, host="127.0.0.1", port=0) as server,
    ):
        url = f"sqlite:///{Path(tmp) / 'inbox.sqlite3'}"
        db = Database(url)
        db.upgrade()
        with db.write() as s:
            channels.add(
                s,
                name="main",
                provider="twilio",
                number=OUR_NUMBER,
                account_sid=config.account_sid,
                base_url=server.url,
                auth_token_ref=f"env:{TOKEN_ENV}",
                provider_handles_opt_out=True,
                help_text=HELP_TEXT,
                poll_interval_seconds=poll_interval,
            )
        db.dispose()

        replied: dict[str, float] = {}
        carrier = server.carrier
        original_send = carrier.send

        def timed_send(to, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = original_send(to, *args, **kwargs)
            if to is not None:
                replied.setdefault(to, time.time())
            return result

        carrier.send = timed_send  # type: ignore[method-assign]
        log = open(Path(tmp) / "daemon.log", "wb")
        daemon = subprocess.Popen(
            [sys.executable, "-m", "inbox", "daemon", "--db", url, "--poll-interval", str(poll_interval)],
            env={**os.environ, TOKEN_ENV: config.auth_token},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            sim = SimulatorClient(server.url)
            time.sleep(2.0)  # the daemon starts, takes the lease and settles into its poll rhythm
            texted: dict[str, float] = {}
            for i in range(texts):
                phone = f"+1555400{i:04d}"
                texted[phone] = time.time()
                sim.text(phone, OUR_NUMBER, "Help!")
                time.sleep(rng.expovariate(1 / mean_gap))
            deadline = time.monotonic() + 10 + poll_interval
            while len(replied) < texts and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            daemon.terminate()
            daemon.wait(15)
            log.close()
    latencies = [replied[p] - t for p, t in texted.items() if p in replied]
    return {
        "texts": texts,
        "answered": len(latencies),
        "poll_interval": poll_interval,
        "p50": statistics.median(latencies) if latencies else None,
        "p90": percentile(latencies, 0.90) if latencies else None,
        "p99": percentile(latencies, 0.99) if latencies else None,
        "max": max(latencies) if latencies else None,
        "target_p99": TARGET_P99,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--mean-gap", type=float, default=0.15, help="mean seconds between texts (exponential)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args.texts, args.poll_interval, args.mean_gap)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"texts answered   {figures['answered']} / {figures['texts']}  (poll every {args.poll_interval:g} s)")
        for key in ("p50", "p90", "p99", "max"):
            value = figures[key]
            print(f"{key:<16} {value:.3f} s" if value is not None else f"{key:<16} -")
        print(f"target           p99 ≤ {TARGET_P99} s")
    ok = figures["answered"] == figures["texts"] and (figures["p99"] or 99) <= TARGET_P99
    return 0 if ok else 1


def test_mo_to_auto_reply_latency() -> None:
    figures = run(200, 1.0, 0.15)
    print(figures)
    assert figures["answered"] == figures["texts"]
    assert figures["p99"] <= TARGET_P99, figures  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
