"""STOP / START / HELP: always first, never overridable.

The customer must get exactly one confirmation. When the provider answers a keyword itself (Twilio
does by default, for the exact ASCII forms), we record the change and stay silent, but the thread
shows what the provider sent (`engine.provider_replies`: its standard text, marked as the
provider's, later matched to its own record); for the variants it does not recognise ("Stop.",
full-width "ＳＴＯＰ") we answer ourselves.

An answered HELP leaves nothing for an agent: like any automatic answer it shows in the thread, and
the conversation is put back as it stood before (not unread, not waiting, not reopened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from inbox.core import keywords
from inbox.core.keywords import Compliance
from inbox.core.models import Channel, OptOutSource
from inbox.engine import provider_replies, replies
from inbox.store import audit, conversations, lists, optouts

if TYPE_CHECKING:
    from inbox.engine.inbound import InboundContext

OPT_OUT_AUTHOR = replies.OPT_OUT_AUTHOR  # "compliance:opt-out"
OPT_IN_AUTHOR = "compliance:opt-in"
HELP_AUTHOR = "compliance:help"

# Twilio's standard confirmations (Advanced Opt-Out defaults): what we send when we answer, and what
# the thread shows the provider sent when it answers (until its own record of the text is read).
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
    recorded_ids: tuple[int, ...] = ()  # the provider's own reply, written into the thread
    answered_help: bool = False  # a HELP that got its answer (ours or the provider's)


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
    ctx.recorded_ids.extend(outcome.recorded_ids)
    if outcome.answered_help and ctx.before is not None:
        conversations.settle_answered(ctx.session, ctx.conversation_id, ctx.before)
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

    def reply(text: str, author: str, *, help_: bool = False) -> ComplianceOutcome:
        if provider_answers:
            recorded = provider_replies.record(
                session,
                channel,
                conversation_id=conversation_id,
                to_number=contact_phone,
                reply_to_id=message_id,
                text=text,
                at=at,
            )
            if recorded is not None:
                conversations.touch_outbound(session, conversation_id, at, text, by_agent=False)
            return ComplianceOutcome(True, (), () if recorded is None else (recorded,), answered_help=help_)
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
        return ComplianceOutcome(True, () if new_id is None else (new_id,), answered_help=help_ and new_id is not None)

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
        return reply(OPT_OUT_REPLY, OPT_OUT_AUTHOR)
    if family is Compliance.OPT_IN:
        was_out = optouts.is_opted_out(session, contact_id, channel.id)
        if word == "YES" and not was_out:
            # An ordinary "yes": polls and agents may want it. Twilio still answers a bare YES with
            # its opt-in text, and the thread shows that.
            told = reply(OPT_IN_REPLY, OPT_IN_AUTHOR).recorded_ids if provider_answers else ()
            return ComplianceOutcome(False, recorded_ids=told)
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
        return reply(OPT_IN_REPLY, OPT_IN_AUTHOR)
    if provider_answers:  # the provider answers an exact HELP with its own text, opted out or not
        return reply(DEFAULT_HELP, HELP_AUTHOR, help_=True)
    if optouts.is_opted_out(session, contact_id, channel.id):
        return ComplianceOutcome(True)  # we may not text them
    return reply(channel.help_text or DEFAULT_HELP, HELP_AUTHOR, help_=True)


def may_send_to_opted_out(author: str | None) -> bool:
    """The one message an opted-out phone may still get: the confirmation of its opt-out."""
    return replies.may_reach_opted_out(author)
