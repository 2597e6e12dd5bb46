"""Contest winner draws: random from `secrets`, reproducible from the recorded seed, audited.

The seed is drawn fresh (`secrets.token_hex(16)`) so nobody can predict or steer a draw; the
selection is `random.Random(seed).sample` over the eligible entrants sorted by contact id, so an
auditor holding the seed and the recorded pool re-runs `inbox.core.engagement.draw` and gets the
same winners. Opted-out entrants are never eligible.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from inbox.core.engagement import draw
from inbox.store import audit, contests
from inbox.store.db import Database


def draw_winners(db: Database, contest_id: int, *, count: int, actor: str) -> contests.Draw:
    if count < 1:
        raise ValueError("draw at least one winner")
    with db.write() as session:
        contest = contests.get(session, contest_id)
        if contest is None:
            raise ValueError(f"no contest {contest_id}")
        pool = contests.eligible_ids(session, contest)
        seed = secrets.token_hex(16)
        winners = draw(pool, count, seed)
        result = contests.record_draw(session, contest_id, seed, pool, winners, actor, datetime.now(UTC))
        audit.record(
            session,
            actor,
            "contest_draw",
            f"contest:{contest_id}",
            draw=result.id,
            seed=seed,
            pool=len(pool),
            winners=[f"contact:{w}" for w in winners],
        )
    return result
