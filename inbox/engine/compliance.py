"""STOP / START / HELP: always first, never overridable.

The customer must get exactly one confirmation. When the provider answers a keyword itself (Twilio
does by default, for the exact ASCII forms), we record the change and stay silent; for the variants
it does not recognise ("Stop.", full-width "ＳＴＯＰ") we answer ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from inbox.core import keywords
from inbox.core.keywords import Compliance
from inbox.core.models import Channel, OptOutSource
from inbox.engine import replies
from inbox.store import audit, conversations, lists, optouts

if TYPE_CHECKING:
    from inbox.engine.inbound import InboundContext

OPT_OUT_AUTHOR = replies.OPT_OUT_AUTHOR  # "compliance:opt-out"
OPT_IN_AUTHOR = "compliance:opt-in"
HELP_AUTHOR = "compliance:help"

OPT_OUT_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this number. "
    "Reply START to resubscribe."
)
OPT_IN_REPLY = (
    "You have successfully been re-subscribed to messages from this number. Reply HELP for help. "
    "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
)
DEFAULT_HELP = "Reply STOP to unsubscribe. Msg&Data Rates May Apply."


@dataclass(frozen=True, slots=True)
class ComplianceOutcome:
    handled: bool  # a compliance keyword: no other automation may run
    queued_ids: tuple[int, ...] = ()


def step(ctx: InboundContext) -> bool:
    """The first step of the automation chain: a compliance keyword ends it."""
    outcome = handle(
        ctx.session,
        ctx.channel,
        contact_id=ctx.contact_id,
        conversation_id=ctx.conversation_id,
        message_id=ctx.message_id,
        contact_phone=ctx.contact_phone,
        body=ctx.body,
        at=ctx.at,
    )
    ctx.queued_ids.extend(outcome.queued_ids)
    return outcome.handled


def handle(
    session: Session,
    channel: Channel,
    *,
    contact_id: int,
    conversation_id: int,
    message_id: int,
    contact_phone: str,
    body: str,
    at: datetime,
) -> ComplianceOutcome:
    found = keywords.classify(body)
    if found is None:
        if keywords.opt_out_intent(body):
            conversations.set_fields(
                session, conversation_id, flagged=True, flag_reason="The customer may want to stop messages"
            )
        return ComplianceOutcome(False)
    family, word = found
    provider_answers = channel.provider_handles_opt_out and keywords.provider_exact_keyword(body) is not None

    def reply(text: str, author: str) -> tuple[int, ...]:
        if provider_answers:
            return ()
        new_id = replies.queue(
            session,
            channel,
            contact_id=contact_id,
            conversation_id=conversation_id,
            reply_to_id=message_id,
            to_number=contact_phone,
            text=text,
            author=author,
            at=at,
        )
        return () if new_id is None else (new_id,)

    if family is Compliance.OPT_OUT:
        optouts.record(
            session,
            contact_id,
            channel.id,
            opted_out=True,
            at=at,
            source=OptOutSource.KEYWORD,
            keyword=word,
            source_message_id=message_id,
        )
        conversations.set_fields(session, conversation_id, flagged=False, flag_reason=None)
        lists.leave_all(session, contact_id, channel.id, reason="opt_out", at=at, source_message_id=message_id)
        audit.record(session, "customer", "opt_out", f"contact:{contact_id}", channel=channel.id, keyword=word)
        return ComplianceOutcome(True, reply(OPT_OUT_REPLY, OPT_OUT_AUTHOR))
    if family is Compliance.OPT_IN:
        was_out = optouts.is_opted_out(session, contact_id, channel.id)
        if word == "YES" and not was_out:
            return ComplianceOutcome(False)  # an ordinary "yes": polls and agents may want it
        if was_out:
            optouts.record(
                session,
                contact_id,
                channel.id,
                opted_out=False,
                at=at,
                source=OptOutSource.KEYWORD,
                keyword=word,
                source_message_id=message_id,
            )
            audit.record(session, "customer", "opt_in", f"contact:{contact_id}", channel=channel.id, keyword=word)
        return ComplianceOutcome(True, reply(OPT_IN_REPLY, OPT_IN_AUTHOR))
    if optouts.is_opted_out(session, contact_id, channel.id):
        return ComplianceOutcome(True)  # we may not text them; the provider answers exact HELP itself
    return ComplianceOutcome(True, reply(channel.help_text or DEFAULT_HELP, HELP_AUTHOR))


def may_send_to_opted_out(author: str | None) -> bool:
    """The one message an opted-out phone may still get: the confirmation of its opt-out."""
    return replies.may_reach_opted_out(author)
