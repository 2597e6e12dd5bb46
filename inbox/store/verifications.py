"""Verification challenges in the database. Rows go out as core `Challenge`s, which carry no code
material; the digest, salt and sealed copy are read only through the narrow functions below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from inbox.core.models import Direction, MessageStatus
from inbox.core.verification import Challenge, ChallengeKind, ChallengeStatus, IssuedCode
from inbox.store.models import MessageRow
from inbox.store.verification_tables import VerificationChallengeRow, VerificationSendRow

# Outbound states in which the code may still have to be handed to the provider.
IN_FLIGHT = (MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.UNKNOWN.value)


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What checking a reply needs, and nothing more (never leaves the engine)."""

    salt: str
    digest: str
    key_id: str


def to_dto(row: VerificationChallengeRow) -> Challenge:
    return Challenge(
        id=row.id,
        kind=ChallengeKind(row.kind),
        phone=row.phone,
        channel_id=row.channel_id,
        conversation_id=row.conversation_id,
        purpose=row.purpose,
        actor=row.actor,
        status=ChallengeStatus(row.status),
        code_length=row.code_length,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        sends=row.sends,
        max_sends=row.max_sends,
        created_at=row.created_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        verified_at=row.verified_at,
    )


def create(
    session: Session,
    *,
    kind: ChallengeKind,
    phone: str,
    channel_id: int | None,
    conversation_id: int | None,
    purpose: str,
    actor: str,
    code: IssuedCode,
    key_id: str,
    max_attempts: int,
    max_sends: int,
    now: datetime,
    expires_at: datetime,
    keep_sealed: bool,
) -> Challenge:
    row = VerificationChallengeRow(
        kind=kind.value,
        phone=phone,
        channel_id=channel_id,
        conversation_id=conversation_id,
        purpose=purpose[:200],
        actor=actor[:120],
        status=ChallengeStatus.PENDING.value,
        code_length=len(code.code),
        code_salt=code.salt,
        code_digest=code.digest,
        code_sealed=code.sealed if keep_sealed else None,
        key_id=key_id,
        attempts=0,
        max_attempts=max_attempts,
        sends=0,
        max_sends=max_sends,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return to_dto(row)


def get(session: Session, challenge_id: int) -> Challenge | None:
    row = session.get(VerificationChallengeRow, challenge_id)
    return to_dto(row) if row else None


def code_check(session: Session, challenge_id: int) -> CodeCheck:
    row = session.get(VerificationChallengeRow, challenge_id)
    assert row is not None
    return CodeCheck(row.code_salt, row.code_digest, row.key_id)


def rotate_code(session: Session, challenge_id: int, code: IssuedCode, key_id: str, expires_at: datetime) -> None:
    """A resend: a new code replaces the old one (attempts are kept, so resending never resets them)."""
    session.execute(
        update(VerificationChallengeRow)
        .where(VerificationChallengeRow.id == challenge_id)
        .values(
            code_salt=code.salt,
            code_digest=code.digest,
            code_sealed=code.sealed,
            key_id=key_id,
            code_length=len(code.code),
            expires_at=expires_at,
        )
    )


def sealed_for_message(session: Session, message_id: int) -> tuple[str, str, str] | None:
    """(salt, sealed, key_id) of the code an outbound message carries; None once it may not be sent."""
    row = session.execute(
        select(
            VerificationChallengeRow.code_salt, VerificationChallengeRow.code_sealed, VerificationChallengeRow.key_id
        )
        .join(VerificationSendRow, VerificationSendRow.challenge_id == VerificationChallengeRow.id)
        .where(VerificationSendRow.message_id == message_id)
        .where(VerificationChallengeRow.status == ChallengeStatus.PENDING.value)
    ).first()
    if row is None or row[1] is None:
        return None
    return row[0], row[1], row[2]


def save(session: Session, challenge: Challenge) -> None:
    """Write back the mutable state of a challenge after a pure transition."""
    values: dict[str, object] = {
        "status": challenge.status.value,
        "attempts": challenge.attempts,
        "sends": challenge.sends,
        "ended_at": challenge.ended_at,
        "end_reason": challenge.end_reason,
        "verified_at": challenge.verified_at,
        "conversation_id": challenge.conversation_id,
    }
    if challenge.status is not ChallengeStatus.PENDING:
        values["code_sealed"] = None  # an ended challenge never sends its code again
    session.execute(
        update(VerificationChallengeRow).where(VerificationChallengeRow.id == challenge.id).values(**values)
    )


def pending_for(session: Session, phone: str, channel_id: int | None = None, *, lock: bool = False) -> list[Challenge]:
    """Pending challenges of a number, newest first; with a channel, those it may be answered on."""
    stmt = select(VerificationChallengeRow).where(
        VerificationChallengeRow.phone == phone, VerificationChallengeRow.status == ChallengeStatus.PENDING.value
    )
    if channel_id is not None:
        stmt = stmt.where(
            or_(VerificationChallengeRow.channel_id == channel_id, VerificationChallengeRow.channel_id.is_(None))
        )
    if lock:
        stmt = stmt.with_for_update()
    return [to_dto(r) for r in session.scalars(stmt.order_by(VerificationChallengeRow.id.desc()))]


def all_pending(session: Session, limit: int = 500) -> list[Challenge]:
    stmt = (
        select(VerificationChallengeRow)
        .where(VerificationChallengeRow.status == ChallengeStatus.PENDING.value)
        .order_by(VerificationChallengeRow.id)
        .limit(limit)
    )
    return [to_dto(r) for r in session.scalars(stmt)]


def pending_checks_on_channel(session: Session, channel_id: int) -> list[tuple[Challenge, CodeCheck]]:
    """Every pending challenge that could be answered on a channel (to catch a code from the wrong phone)."""
    stmt = select(VerificationChallengeRow).where(
        VerificationChallengeRow.status == ChallengeStatus.PENDING.value,
        or_(VerificationChallengeRow.channel_id == channel_id, VerificationChallengeRow.channel_id.is_(None)),
    )
    return [(to_dto(r), CodeCheck(r.code_salt, r.code_digest, r.key_id)) for r in session.scalars(stmt.limit(500))]


def latest(session: Session, phone: str, channel_id: int | None = None) -> Challenge | None:
    stmt = select(VerificationChallengeRow).where(VerificationChallengeRow.phone == phone)
    if channel_id is not None:
        stmt = stmt.where(
            or_(VerificationChallengeRow.channel_id == channel_id, VerificationChallengeRow.channel_id.is_(None))
        )
    row = session.scalars(stmt.order_by(VerificationChallengeRow.id.desc()).limit(1)).first()
    return to_dto(row) if row else None


def latest_for_conversation(session: Session, conversation_id: int) -> Challenge | None:
    row = session.scalars(
        select(VerificationChallengeRow)
        .where(VerificationChallengeRow.conversation_id == conversation_id)
        .order_by(VerificationChallengeRow.id.desc())
        .limit(1)
    ).first()
    return to_dto(row) if row else None


def recently_ended(session: Session, phone: str, channel_id: int, since: datetime) -> list[Challenge]:
    stmt = (
        select(VerificationChallengeRow)
        .where(VerificationChallengeRow.phone == phone)
        .where(VerificationChallengeRow.status != ChallengeStatus.PENDING.value)
        .where(VerificationChallengeRow.ended_at >= since)
        .where(or_(VerificationChallengeRow.channel_id == channel_id, VerificationChallengeRow.channel_id.is_(None)))
        .order_by(VerificationChallengeRow.id.desc())
        .limit(5)
    )
    return [to_dto(r) for r in session.scalars(stmt)]


def record_send(session: Session, challenge_id: int, message_id: int, phone: str, at: datetime) -> None:
    session.add(VerificationSendRow(message_id=message_id, challenge_id=challenge_id, phone=phone, at=at))
    session.flush()


def send_times(session: Session, phone: str, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(VerificationSendRow.at).where(VerificationSendRow.phone == phone, VerificationSendRow.at > since)
        )
    )


def withdraw_unsent(session: Session, challenge_id: int, reason: str) -> list[tuple[int, int]]:
    """Fail the code messages of an ended challenge that have not left yet; (message id, conversation id)."""
    rows = session.execute(
        select(MessageRow.id, MessageRow.conversation_id)
        .join(VerificationSendRow, VerificationSendRow.message_id == MessageRow.id)
        .where(VerificationSendRow.challenge_id == challenge_id)
        .where(MessageRow.status == MessageStatus.QUEUED.value, MessageRow.provider_message_id.is_(None))
    ).all()
    for msg_id, _conv in rows:
        session.execute(
            update(MessageRow)
            .where(MessageRow.id == msg_id)
            .values(status=MessageStatus.FAILED.value, error_message=reason[:400], next_attempt_at=None)
        )
    return [(m, c) for m, c in rows]


def forget_sent_codes(session: Session) -> int:
    """Null the sealed copy of every pending code whose messages have all left: the outbox no longer needs it."""
    in_flight = (
        select(func.count())
        .select_from(VerificationSendRow)
        .join(MessageRow, MessageRow.id == VerificationSendRow.message_id)
        .where(VerificationSendRow.challenge_id == VerificationChallengeRow.id)
        .where(MessageRow.direction == Direction.OUTBOUND.value)
        .where(MessageRow.status.in_(IN_FLIGHT))
        .where(MessageRow.provider_message_id.is_(None))
        .scalar_subquery()
    )
    result = session.execute(
        update(VerificationChallengeRow)
        .where(VerificationChallengeRow.code_sealed.is_not(None))
        .where(VerificationChallengeRow.kind == ChallengeKind.SEND.value)
        .where(VerificationChallengeRow.sends > 0)
        .where(in_flight == 0)
        .values(code_sealed=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mask_message(session: Session, message_id: int, mask: str) -> None:
    """Replace a stored message's text (an MO that carried a code attempt) with the mask."""
    session.execute(update(MessageRow).where(MessageRow.id == message_id).values(body=mask, masked=True))
