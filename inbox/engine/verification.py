"""Identity verification over SMS: one-time codes sent as MT and answered as MO.

Three entry points:

- `Verifier` (agent use cases, for the CLI and the UI): start / expect / status / cancel.
- `step` (the automation chain, right after compliance): matches a customer's reply to a pending
  challenge inside the ingest transaction and answers with an outbox row.
- `outbound_text` (the outbox): turns the masked MT row back into the real text just before the
  provider call. The code lives in the database only as a keyed hash (to check replies) and, until it
  has left, as a sealed copy (so a crash between queueing and sending loses nothing).

The key behind both is per installation and lives with the other secrets
(`credentials.verification_key`: `INBOX_VERIFICATION_KEY` if set, else the OS keyring, else a 0600
file in the user config dir). Every machine that starts verifications or runs the poller against a
shared database must use the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from inbox.core import phone as phones
from inbox.core import verification as otp
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import MessageKind, OutboundMessage
from inbox.core.verification import (
    AttemptResult,
    Challenge,
    ChallengeKind,
    ChallengeStatus,
    CodePolicy,
    VerificationStatus,
)
from inbox.engine import credentials, replies
from inbox.store import audit, channels, contacts, conversations, optouts
from inbox.store import verifications as store
from inbox.store.db import Database

if TYPE_CHECKING:
    from inbox.engine.inbound import InboundContext

log = logging.getLogger(__name__)

AUTHOR = "verification"
# How long after a challenge ended a reply carrying its code still gets a "no longer valid" answer.
ENDED_GRACE = timedelta(minutes=30)

CODE_TEMPLATE = "Your verification code is {code}. It expires in {minutes} min. Never share it with anyone."
VERIFIED_REPLY = "Thank you, your identity is verified."
WRONG_REPLY = "That code is not correct. Please check it and try again ({left} attempt(s) left)."
LOCKED_REPLY = "Too many incorrect codes. For your security this code no longer works; please ask us for a new one."
EXPIRED_REPLY = "That code has expired. Please ask us for a new one."
REUSED_REPLY = "That code has already been used. If you need to verify again, please ask us for a new one."
# Sent instead of the code if a masked row is claimed after its challenge ended (never the code).
WITHDRAWN_TEXT = "Your verification code is no longer valid. Please ask us for a new one."


class VerificationRefused(Exception):
    """A verification that may not start or continue, with a reason a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Expectation:
    """A customer-started challenge and the code to show the customer elsewhere (web page, call)."""

    challenge: Challenge
    code: str = field(repr=False)


# -- the outbox hook -------------------------------------------------------------------------------
def outbound_text(session: Session, row: OutboundMessage) -> str:
    """The text to hand to the provider for an outbound message: the real code for a masked code message."""
    if not row.masked:
        return row.body
    found = store.sealed_for_message(session, row.id)
    if found is None:
        return WITHDRAWN_TEXT
    salt, sealed, kid = found
    secret = credentials.verification_key()
    if otp.key_id(secret) != kid:
        log.warning("message %d: the code was issued under another verification key; not sending it", row.id)
        return WITHDRAWN_TEXT
    return row.body.replace(otp.MASK, otp.unseal(secret, salt, sealed), 1)


# -- housekeeping ------------------------------------------------------------------------------------
@dataclass
class _Changes:
    conversation_ids: set[int] = field(default_factory=set)
    message_ids: set[int] = field(default_factory=set)


def settle(session: Session, now: datetime) -> _Changes:
    """Expire overdue challenges, cancel those of opted-out numbers, forget codes that have left.

    Called before every verification decision, so state is always current without a timer job.
    """
    changes = _Changes()
    for challenge in store.all_pending(session):
        if otp.is_expired(challenge, now):
            _finish(session, otp.end(challenge, ChallengeStatus.EXPIRED, now, "expired"), changes)
            audit.record(session, AUTHOR, "verification_expired", _subject(challenge), challenge=challenge.id)
        elif _opted_out(session, challenge):
            _finish(session, otp.end(challenge, ChallengeStatus.CANCELLED, now, "the customer opted out"), changes)
            audit.record(
                session, AUTHOR, "verification_cancelled", _subject(challenge), challenge=challenge.id, reason="opt_out"
            )
    store.forget_sent_codes(session)
    return changes


def _finish(session: Session, challenge: Challenge, changes: _Changes) -> None:
    store.save(session, challenge)
    for msg_id, conv_id in store.withdraw_unsent(session, challenge.id, "Not sent: the verification ended first"):
        changes.message_ids.add(msg_id)
        changes.conversation_ids.add(conv_id)
    if challenge.conversation_id:
        changes.conversation_ids.add(challenge.conversation_id)
    log.info("verification %d: %s", challenge.id, challenge.status.value)


def _opted_out(session: Session, challenge: Challenge) -> bool:
    contact = contacts.by_phone(session, challenge.phone)
    if contact is None:
        return False
    if challenge.channel_id is not None:
        return optouts.is_opted_out(session, contact.id, challenge.channel_id)
    return any(state.opted_out for state in optouts.for_contact(session, contact.id))


def _subject(challenge: Challenge) -> str:
    if challenge.conversation_id is not None:
        return f"conversation:{challenge.conversation_id}"
    return f"verification:{challenge.id}"


# -- the automation step -----------------------------------------------------------------------------
def step(ctx: InboundContext) -> bool:
    """Match a reply to the sender's pending challenge; runs after compliance, before everything else."""
    session = ctx.session
    settle(session, ctx.at)
    pending = store.pending_for(session, ctx.contact_phone, ctx.channel.id, lock=True)
    if pending:
        return _answer_pending(ctx, pending[0])
    if _code_from_wrong_phone(ctx):
        return True
    return _answer_ended(ctx)


def _first_candidate(body: str, length: int) -> str | None:
    # Only the first candidate is checked: one message is one attempt, however many numbers it holds.
    found = otp.candidates(body, length)
    return found[0] if found else None


def _check(session: Session, challenge: Challenge, candidate: str) -> bool | None:
    """Whether the candidate is the code; None when this machine holds a different key."""
    check = store.code_check(session, challenge.id)
    secret = credentials.verification_key()
    if otp.key_id(secret) != check.key_id:
        log.warning(
            "verification %d: issued under another verification key; set %s alike on every machine",
            challenge.id,
            credentials.VERIFICATION_KEY_ENV,
        )
        return None
    return otp.matches(secret, check.salt, candidate, check.digest)


def _answer_pending(ctx: InboundContext, challenge: Challenge) -> bool:
    candidate = _first_candidate(ctx.body, challenge.code_length)
    if candidate is None:
        return False  # not an attempt: the customer is just talking
    _mask_inbound(ctx)
    matched = _check(ctx.session, challenge, candidate)
    if matched is None:
        return True
    if challenge.conversation_id is None:
        challenge = replace(challenge, conversation_id=ctx.conversation_id)
    updated, result = otp.attempt(challenge, matched, ctx.at)
    store.save(ctx.session, updated)
    subject = f"conversation:{ctx.conversation_id}"
    if result is AttemptResult.VERIFIED:
        conversations.set_fields(ctx.session, ctx.conversation_id, verified_at=ctx.at)
        audit.record(ctx.session, "customer", "verification_succeeded", subject, challenge=challenge.id)
        _reply(ctx, VERIFIED_REPLY, MessageKind.CODE_MATCHED)
    elif result is AttemptResult.WRONG:
        audit.record(
            ctx.session, "customer", "verification_failed", subject, challenge=challenge.id, attempts=updated.attempts
        )
        _reply(ctx, WRONG_REPLY.format(left=updated.max_attempts - updated.attempts), MessageKind.CODE_WRONG)
    elif result is AttemptResult.LOCKED:
        audit.record(
            ctx.session, "customer", "verification_failed", subject, challenge=challenge.id, attempts=updated.attempts
        )
        audit.record(ctx.session, AUTHOR, "verification_locked", subject, challenge=challenge.id)
        store.withdraw_unsent(ctx.session, challenge.id, "Not sent: the verification ended first")
        _reply(ctx, LOCKED_REPLY, MessageKind.CODE_LOCKED)
    elif result is AttemptResult.EXPIRED:
        audit.record(ctx.session, AUTHOR, "verification_expired", subject, challenge=challenge.id)
        _reply(ctx, EXPIRED_REPLY, MessageKind.CODE_EXPIRED)
    log.info("verification %d: reply %s", challenge.id, result.value)
    return True


def _code_from_wrong_phone(ctx: InboundContext) -> bool:
    """A pending code texted from a number it was not sent to: reject it, and cancel the leaked challenge."""
    others = [
        (c, chk)
        for c, chk in store.pending_checks_on_channel(ctx.session, ctx.channel.id)
        if c.phone != ctx.contact_phone
    ]
    if not others:
        return False
    secret = credentials.verification_key()
    for challenge, check in others:
        candidate = _first_candidate(ctx.body, challenge.code_length)
        if candidate is None or otp.key_id(secret) != check.key_id:
            continue
        if otp.matches(secret, check.salt, candidate, check.digest):
            _mask_inbound(ctx)
            ended = otp.end(challenge, ChallengeStatus.CANCELLED, ctx.at, "the code was texted from another phone")
            _finish(ctx.session, ended, _Changes())
            audit.record(
                ctx.session,
                "customer",
                "verification_failed",
                _subject(challenge),
                challenge=challenge.id,
                reason="wrong_phone",
                from_conversation=ctx.conversation_id,
            )
            return True
    return False


def _answer_ended(ctx: InboundContext) -> bool:
    """A code for a challenge that just ended (used, expired, locked, cancelled): reject it, never verify."""
    ended = store.recently_ended(ctx.session, ctx.contact_phone, ctx.channel.id, ctx.at - ENDED_GRACE)
    if not ended:
        return False
    challenge = ended[0]
    candidate = _first_candidate(ctx.body, challenge.code_length)
    if candidate is None:
        return False
    matched = _check(ctx.session, challenge, candidate)
    if challenge.status is ChallengeStatus.VERIFIED and not matched:
        return False  # a verified customer sending some other number: not ours to hide
    _mask_inbound(ctx)
    subject = f"conversation:{ctx.conversation_id}"
    reason = "reused" if challenge.status is ChallengeStatus.VERIFIED else challenge.status.value
    audit.record(ctx.session, "customer", "verification_rejected", subject, challenge=challenge.id, reason=reason)
    reply, kind = {
        ChallengeStatus.VERIFIED: (REUSED_REPLY, MessageKind.CODE_REUSED),
        ChallengeStatus.EXPIRED: (EXPIRED_REPLY, MessageKind.CODE_EXPIRED),
        ChallengeStatus.LOCKED: (LOCKED_REPLY, MessageKind.CODE_LOCKED),
    }.get(challenge.status, (WITHDRAWN_TEXT, MessageKind.CODE_VOID))
    _reply(ctx, reply, kind)  # never to an opted-out number
    log.info("verification %d: reply rejected (%s)", challenge.id, reason)
    return True


def _mask_inbound(ctx: InboundContext) -> None:
    """The MO held a code (or a near miss): keep only the mask, in the row and in the list preview."""
    session = ctx.session
    if session.get_bind().dialect.name == "sqlite":
        # Overwrite the freed bytes of the old text instead of leaving them in the file's free space.
        session.execute(text("PRAGMA secure_delete=ON"))
    store.mask_message(session, ctx.message_id, otp.MASK)
    conversations.replace_preview(session, ctx.conversation_id, conversations.preview_of(ctx.body), otp.MASK)


def _reply(ctx: InboundContext, body: str, kind: MessageKind) -> None:
    """The verdict on a code, with its kind stored: the thread's badge reads the kind, not the words."""
    ctx.reply(body, AUTHOR, kind=kind)  # never to an opted-out number (replies.queue checks)


# -- the agent's side ---------------------------------------------------------------------------------
class Verifier:
    """Verification use cases for the CLI and the UI. Every method opens its own transaction."""

    def __init__(
        self,
        db: Database,
        events: EventBus | None = None,
        *,
        policy: CodePolicy | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.events = events
        self.policy = policy or CodePolicy()
        self.clock = clock or (lambda: datetime.now(UTC))

    def start(
        self,
        channel_id: int | None = None,
        to: str | None = None,
        purpose: str = "",
        actor: str = "agent",
        *,
        conversation_id: int | None = None,
        policy: CodePolicy | None = None,
    ) -> Challenge:
        """Text a code to a customer (or resend: a new code for their pending challenge)."""
        policy = policy or self.policy
        now = self.clock()
        secret = credentials.verification_key()
        with self.db.write() as session:
            changes = settle(session, now)
            channel, number, conv_id, contact_id = self._resolve(session, channel_id, to, conversation_id, now)
            if optouts.is_opted_out(session, contact_id, channel.id):
                raise VerificationRefused("the customer opted out of messages from this number")
            next_ok = otp.rate_limit(store.send_times(session, number, now - policy.rate_window), now, policy)
            if next_ok is not None:
                raise VerificationRefused(
                    f"too many codes sent to this number; try again after {next_ok.astimezone():%H:%M}"
                )
            code = otp.issue(secret, policy.length)
            current = [
                c
                for c in store.pending_for(session, number, lock=True)
                if c.kind is ChallengeKind.SEND and c.channel_id == channel.id
            ]
            if current:
                challenge = current[0]
                why_not = otp.may_resend(challenge, now)
                if why_not:
                    raise VerificationRefused(why_not)
                store.rotate_code(session, challenge.id, code, otp.key_id(secret), now + policy.lifetime)
                action = "verification_resent"
            else:
                self._supersede(session, number, channel.id, now, changes)
                challenge = store.create(
                    session,
                    kind=ChallengeKind.SEND,
                    phone=number,
                    channel_id=channel.id,
                    conversation_id=conv_id,
                    purpose=purpose,
                    actor=actor,
                    code=code,
                    key_id=otp.key_id(secret),
                    max_attempts=policy.max_attempts,
                    max_sends=policy.max_sends,
                    now=now,
                    expires_at=now + policy.lifetime,
                    keep_sealed=True,
                )
                action = "verification_started"
            minutes = max(1, round(policy.lifetime.total_seconds() / 60))
            body = CODE_TEMPLATE.format(code=otp.MASK, minutes=minutes)
            msg_id = replies.queue(
                session,
                channel,
                contact_id=contact_id,
                conversation_id=conv_id,
                to_number=number,
                text=body,
                author=AUTHOR,
                masked=True,
                kind=MessageKind.CODE_SENT,
                at=now,
            )
            assert msg_id is not None  # the opt-out was refused above, in this transaction
            store.record_send(session, challenge.id, msg_id, number, now)
            store.save(session, replace(challenge, sends=challenge.sends + 1))
            audit.record(
                session,
                actor,
                action,
                f"conversation:{conv_id}",
                challenge=challenge.id,
                channel=channel.id,
                purpose=purpose,
            )
            result = store.get(session, challenge.id)
            assert result is not None
        changes.conversation_ids.add(conv_id)
        changes.message_ids.add(msg_id)
        self._publish(changes)
        log.info("verification %d: code queued for %s (%s)", result.id, phones.mask(number), action)
        return result

    def expect(
        self,
        to: str,
        channel_id: int | None = None,
        code: str | None = None,
        purpose: str = "",
        actor: str = "agent",
        *,
        policy: CodePolicy | None = None,
    ) -> Expectation:
        """Wait for a customer to text in a code shown to them elsewhere; returns that code once."""
        policy = policy or self.policy
        if code is not None:
            code = code.strip()
            if not (code.isascii() and code.isdigit() and otp.MIN_LENGTH <= len(code) <= otp.MAX_LENGTH):
                raise VerificationRefused(f"a code is {otp.MIN_LENGTH}–{otp.MAX_LENGTH} digits")
            policy = replace(policy, length=len(code))
        now = self.clock()
        secret = credentials.verification_key()
        number = self._number(to)
        with self.db.write() as session:
            changes = settle(session, now)
            conv_id = None
            if channel_id is not None:
                channel = channels.get(session, channel_id)
                if channel is None:
                    raise VerificationRefused(f"no channel {channel_id}")
                contact = contacts.by_phone(session, number)
                if contact is not None:
                    if optouts.is_opted_out(session, contact.id, channel_id):
                        raise VerificationRefused("the customer opted out of messages from this number")
                    conv_id = conversations.find(session, contact.id, channel_id)
            issued = otp.issue(secret, policy.length, code)
            self._supersede(session, number, channel_id, now, changes)
            challenge = store.create(
                session,
                kind=ChallengeKind.EXPECT,
                phone=number,
                channel_id=channel_id,
                conversation_id=conv_id,
                purpose=purpose,
                actor=actor,
                code=issued,
                key_id=otp.key_id(secret),
                max_attempts=policy.max_attempts,
                max_sends=0,
                now=now,
                expires_at=now + policy.lifetime,
                keep_sealed=False,
            )
            audit.record(
                session,
                actor,
                "verification_started",
                _subject(challenge),
                challenge=challenge.id,
                channel=channel_id,
                purpose=purpose,
                kind="expect",
            )
        self._publish(changes)
        log.info("verification %d: expecting a code from %s", challenge.id, phones.mask(number))
        return Expectation(challenge, issued.code)

    def status(self, to: str, channel_id: int | None = None) -> VerificationStatus:
        number = self._number(to)
        now = self.clock()
        with self.db.write() as session:
            changes = settle(session, now)
            challenge = store.latest(session, number, channel_id)
        self._publish(changes)
        return VerificationStatus(number, challenge, otp.describe(challenge, now))

    def conversation_status(self, conversation_id: int) -> VerificationStatus | None:
        """What the conversation header shows: 'verified (2 min ago, by code)' or the failure."""
        now = self.clock()
        with self.db.write() as session:
            changes = settle(session, now)
            summary = conversations.summary(session, conversation_id)
            if summary is None:
                return None
            challenge = store.latest_for_conversation(session, conversation_id)
        self._publish(changes)
        return VerificationStatus(summary.contact_phone, challenge, otp.describe(challenge, now))

    def cancel(self, to: str, channel_id: int | None = None, actor: str = "agent") -> Challenge | None:
        number = self._number(to)
        now = self.clock()
        with self.db.write() as session:
            changes = settle(session, now)
            pending = store.pending_for(session, number, channel_id, lock=True)
            for challenge in pending:
                _finish(session, otp.end(challenge, ChallengeStatus.CANCELLED, now, f"cancelled by {actor}"), changes)
                audit.record(session, actor, "verification_cancelled", _subject(challenge), challenge=challenge.id)
            result = store.get(session, pending[0].id) if pending else None
        self._publish(changes)
        return result

    # -- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _number(to: str) -> str:
        try:
            return phones.normalize(to)
        except phones.InvalidPhoneNumber as exc:
            raise VerificationRefused(str(exc)) from None

    def _resolve(
        self, session: Session, channel_id: int | None, to: str | None, conversation_id: int | None, now: datetime
    ) -> tuple[Any, str, int, int]:
        if conversation_id is not None:
            summary = conversations.summary(session, conversation_id)
            if summary is None:
                raise VerificationRefused(f"no conversation {conversation_id}")
            channel = channels.get(session, summary.channel_id)
            assert channel is not None
            return channel, summary.contact_phone, summary.id, summary.contact_id
        if channel_id is None or to is None:
            raise VerificationRefused("give a conversation, or a channel and a phone number")
        channel = channels.get(session, channel_id)
        if channel is None:
            raise VerificationRefused(f"no channel {channel_id}")
        number = self._number(to)
        if number == channel.number:
            raise VerificationRefused(f"can't send a code to channel {channel.name}'s own number")
        contact_id = contacts.get_or_create(session, number)
        return channel, number, conversations.get_or_create(session, contact_id, channel.id, now), contact_id

    @staticmethod
    def _supersede(session: Session, number: str, channel_id: int | None, now: datetime, changes: _Changes) -> None:
        """A new challenge replaces the number's pending ones on the same channel: one code at a time."""
        for old in store.pending_for(session, number, channel_id, lock=True):
            _finish(session, otp.end(old, ChallengeStatus.CANCELLED, now, "superseded by a new code"), changes)
            audit.record(
                session, AUTHOR, "verification_cancelled", _subject(old), challenge=old.id, reason="superseded"
            )

    def _publish(self, changes: _Changes) -> None:
        if self.events and changes.conversation_ids:
            ids = frozenset(changes.conversation_ids)
            self.events.publish(MessagesChanged(ids, frozenset(changes.message_ids)))
            self.events.publish(ConversationsChanged(ids))
