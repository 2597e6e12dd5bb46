"""Lookup jobs: ask a business backend (the BALANCE case) after ingest has committed.

The rules step only writes a job row; this module makes the HTTP call outside any transaction and
then queues the reply through the outbox, as the rule, once per inbound message. On timeout or
error the customer gets the rule's fallback text and the conversation opens for an agent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from inbox.core import rules as core_rules
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import ConversationStatus
from inbox.engine import credentials, replies
from inbox.engine.rules import author_for, lookup_url
from inbox.store import channels, conversations, optouts
from inbox.store import rules as rule_store
from inbox.store.db import Database
from inbox.store.rules import LookupJob

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)


@dataclass
class LookupReport:
    done: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def auth_value(ref: str) -> str:
    """The header value named by an action's auth_ref ("env:VAR" or "keyring:NAME")."""
    if ref.startswith("keyring:"):
        return credentials.resolve("keyring", ref.removeprefix("keyring:"))
    return credentials.resolve(ref, "")


def _call(client: httpx.Client, job: LookupJob) -> tuple[dict[str, str] | None, str | None]:
    """The lookup variables from the backend, or None and a short error (no customer data in it)."""
    act = job.spec.action
    headers = {"Accept": "application/json"}
    try:
        if act.auth_header and act.auth_ref:
            headers[act.auth_header] = auth_value(act.auth_ref)
        resp = client.get(lookup_url(act.url, job.variables), headers=headers, timeout=act.timeout)
        resp.raise_for_status()
        data = resp.json()
    except credentials.MissingCredentials as exc:
        return None, f"credentials: {exc}"
    except httpx.TimeoutException:
        return None, f"timed out after {act.timeout:g} s"
    except httpx.HTTPStatusError as exc:
        return None, f"backend answered HTTP {exc.response.status_code}"
    except httpx.HTTPError as exc:
        return None, f"backend unreachable: {type(exc).__name__}"
    except ValueError:
        return None, "backend answered something that is not JSON"
    if not isinstance(data, dict):
        return None, "backend JSON is not an object"
    return core_rules.lookup_variables(data), None


def run_lookups(
    db: Database,
    events: EventBus | None = None,
    *,
    client: httpx.Client | None = None,
    limit: int = 20,
    now: datetime | None = None,
) -> LookupReport:
    """Perform due lookups; called by the runner every cycle. Never raises for one bad job."""
    report = LookupReport()
    started = now or datetime.now(UTC)
    with db.write() as session:
        jobs = rule_store.claim_lookups(session, started, limit, STALE_AFTER)
    if not jobs:
        return report
    own = client is None
    http = client or httpx.Client(follow_redirects=False)
    try:
        for job in jobs:
            try:
                _run_one(db, http, job, report, events)
            except Exception as exc:  # one bad job must not stop the others
                log.exception("lookup job %d failed", job.id)
                report.errors.append(f"lookup job {job.id}: {type(exc).__name__}")
    finally:
        if own:
            http.close()
    return report


def _run_one(db: Database, http: httpx.Client, job: LookupJob, report: LookupReport, events: EventBus | None) -> None:
    found, error = _call(http, job)
    act = job.spec.action
    at = datetime.now(UTC)
    if found is not None:
        body = core_rules.render(act.reply, {**job.variables, **found})
    else:
        body = core_rules.render(act.fallback, job.variables)
        log.warning("lookup for rule %s failed: %s", job.rule_name, error)
    queued: int | None = None
    with db.write() as session:
        summary = conversations.summary(session, job.conversation_id)
        channel = channels.get(session, job.channel_id)
        if (
            channel is None
            or summary is None
            or summary.flagged
            or optouts.is_opted_out(session, job.contact_id, job.channel_id)
        ):
            rule_store.finish_lookup(session, job.id, "skipped", "contact opted out or flagged meanwhile", at)
            report.skipped += 1
            return
        queued = replies.queue(
            session,
            channel,
            contact_id=job.contact_id,
            conversation_id=job.conversation_id,
            to_number=summary.contact_phone,
            text=body,
            author=author_for(job.rule_name),
            reply_to_id=job.message_id,
            at=at,
        )
        if found is None:
            conversations.set_fields(session, job.conversation_id, status=ConversationStatus.OPEN.value)
        rule_store.finish_lookup(session, job.id, "done" if found is not None else "failed", error, at)
    if found is not None:
        report.done += 1
    else:
        report.failed += 1
    if events is not None:
        ids = frozenset({job.conversation_id})
        events.publish(MessagesChanged(ids, frozenset({queued} if queued else ())))
        events.publish(ConversationsChanged(ids))
