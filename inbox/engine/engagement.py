"""Engagement as a step of the inbound chain (after compliance and verification, before rules) and
as a periodic tick of the runner.

Within the step, in order: a contact never gets an automatic answer once opted out or flagged (an
opted-out contact's running survey is closed); a running survey takes the reply as its answer; a
pending CSAT request takes a 1–5; a survey trigger keyword starts a survey; a contest keyword or
code is an entry; an open poll takes a short reply naming an option as a vote. "Not an option" and
"I did not get that" answer only a try at an answer (`core.close_to_option`, `core.near_answer`)
from someone the poll or survey was sent to. Anything else goes on to keyword rules and agents.
Replies are outbox rows unique per (MO, author), so a replayed MO never answers twice.

The tick fans out due broadcasts, ends timed-out surveys and surveys of contacts who sent STOP
(compliance ends the chain on STOP, so the step itself never sees it), and asks CSAT after
resolution.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from inbox.core import engagement as core
from inbox.core import rules as core_rules
from inbox.engine import broadcasts, replies
from inbox.store import channels, contacts, contests, conversations, csat, optouts, polls, surveys
from inbox.store.db import Database

if TYPE_CHECKING:
    from inbox.engine.inbound import InboundContext

log = logging.getLogger(__name__)

POLL_AUTHOR = "poll:{id}"
SURVEY_AUTHOR = "survey:{id}"
CONTEST_AUTHOR = "contest:{id}"
CSAT_AUTHOR = "csat"
SURVEY_RETRY = "Sorry, I did not get that. {prompt}"


def _reply(ctx: InboundContext, text: str, author: str) -> None:
    ctx.reply(text, author)


def step(ctx: InboundContext) -> bool:
    session, channel_id = ctx.session, ctx.channel.id
    running = surveys.active_for(session, ctx.contact_id, channel_id)
    if optouts.is_opted_out(session, ctx.contact_id, channel_id):
        if running:
            surveys.end(session, running[1].id, surveys.STOPPED, ctx.at)
        return False  # never auto-answer an opted-out contact; rules skip them too
    summary = conversations.summary(session, ctx.conversation_id)
    if summary is not None and summary.flagged:
        return False
    if running and running[1].expires_at <= ctx.at:
        surveys.end(session, running[1].id, surveys.TIMED_OUT, ctx.at)
        running = None
    if running:
        return _survey_answer(ctx, *running)
    if _csat_answer(ctx):
        return True
    tokens = core.answer_words(ctx.body)
    if tokens:
        survey = surveys.by_trigger(session, channel_id, " ".join(tokens)) or surveys.by_trigger(
            session, channel_id, tokens[0]
        )
        if survey is not None:
            return _survey_start(ctx, survey)
    if _contest_entry(ctx, tokens):
        return True
    return _poll_vote(ctx)


# -- surveys -------------------------------------------------------------------------------------------
def _survey_start(ctx: InboundContext, survey: surveys.Survey) -> bool:
    progress = surveys.start(ctx.session, survey, ctx.contact_id, ctx.at)
    if progress is None:
        return False
    first = survey.questions[0].prompt()
    _reply(ctx, f"{survey.intro} {first}".strip(), SURVEY_AUTHOR.format(id=survey.id))
    return True


def invite(db: Database, survey_id: int, phones: list[str], at: datetime | None = None) -> int:
    """Start the survey for these people and send them its first question (opted-out ones skipped)."""
    now = at or datetime.now(UTC)
    started = 0
    with db.write() as session:
        survey = surveys.get(session, survey_id)
        channel = channels.get(session, survey.channel_id) if survey else None
        if survey is None or channel is None:
            raise ValueError(f"no survey {survey_id}")
        if channel.number in phones:
            raise ValueError(f"can't invite channel {channel.name}'s own number")
        for number in phones:
            contact_id = contacts.get_or_create(session, number)
            if optouts.is_opted_out(session, contact_id, channel.id):
                continue
            if surveys.start(session, survey, contact_id, now) is None:
                continue
            conv_id = conversations.get_or_create(session, contact_id, channel.id, now)
            text = f"{survey.intro} {survey.questions[0].prompt()}".strip()
            replies.queue(
                session,
                channel,
                contact_id=contact_id,
                conversation_id=conv_id,
                to_number=number,
                text=text,
                author=SURVEY_AUTHOR.format(id=survey.id),
                at=now,
                touch_conversation=False,
            )
            started += 1
    return started


def _survey_answer(ctx: InboundContext, survey: surveys.Survey, progress: surveys.Progress) -> bool:
    author = SURVEY_AUTHOR.format(id=survey.id)
    question = survey.questions[progress.step]
    answer = core.parse_answer(question, ctx.body)
    if answer is None:
        if not core.near_answer(question, ctx.body):
            return False  # not an answer ("Hours?"): rules and agents; the survey waits for one
        _reply(ctx, SURVEY_RETRY.format(prompt=question.prompt()), author)
        return True
    after = surveys.record_answer(ctx.session, progress.id, survey, answer, ctx.at)
    if after.state == surveys.COMPLETED:
        _reply(ctx, survey.thanks, author)
    else:
        _reply(ctx, survey.questions[after.step].prompt(), author)
    return True


# -- CSAT ----------------------------------------------------------------------------------------------
def _csat_answer(ctx: InboundContext) -> bool:
    request = csat.open_request(ctx.session, ctx.conversation_id, ctx.at)
    if request is None:
        return False
    tokens = core.answer_words(ctx.body)
    if len(tokens) != 1 or tokens[0] not in ("1", "2", "3", "4", "5"):
        return False  # not a rating: the conversation goes on as usual
    csat.record_response(ctx.session, request, int(tokens[0]), ctx.at)
    setting = csat.setting(ctx.session, ctx.channel.id)
    _reply(ctx, setting.thanks if setting else "Thank you!", CSAT_AUTHOR)
    return True


def ask_csat(db: Database, now: datetime | None = None) -> int:
    """Ask "Rate us 1–5" once per resolution, on channels where CSAT is enabled."""
    now = now or datetime.now(UTC)
    asked = 0
    with db.write() as session:
        for ask in csat.due_asks(session):
            contact_id = _contact_of(session, ask.conversation_id)
            if optouts.is_opted_out(session, contact_id, ask.channel_id):
                csat.record_ask(session, ask, None, now)  # remember, never text them
                continue
            agent = ask.agent or csat.last_agent(session, ask.conversation_id)
            if not csat.record_ask(session, ask, agent, now):
                continue
            setting = csat.setting(session, ask.channel_id)
            channel = channels.get(session, ask.channel_id)
            summary = conversations.summary(session, ask.conversation_id)
            if setting is None or channel is None or summary is None:
                continue
            replies.queue(
                session,
                channel,
                contact_id=contact_id,
                conversation_id=ask.conversation_id,
                to_number=summary.contact_phone,
                text=setting.prompt,
                author=CSAT_AUTHOR,
                reply_to_id=ask.after_message_id,
                at=now,
                touch_conversation=False,
            )
            asked += 1
    return asked


def _contact_of(session: Session, conversation_id: int) -> int:
    summary = conversations.summary(session, conversation_id)
    return summary.contact_id if summary else -1


# -- contests ------------------------------------------------------------------------------------------
def _contest_entry(ctx: InboundContext, tokens: tuple[str, ...]) -> bool:
    if not tokens or len(tokens) > core.MAX_ANSWER_WORDS:
        return False
    for contest in contests.open_on(ctx.session, ctx.channel.id, ctx.at):
        code: str | None
        if contest.keyword and tokens[0] == contest.keyword:
            code = "".join(tokens[1:]) or None
        elif contest.uses_codes and contests.has_code(ctx.session, contest.id, "".join(tokens)):
            code = "".join(tokens)
        else:
            continue
        result = contests.enter(ctx.session, contest, ctx.contact_id, code, ctx.message_id, ctx.at)
        log.debug("contest %d: entry attempt %s", contest.id, result.value)
        _reply(ctx, contest.replies[result], CONTEST_AUTHOR.format(id=contest.id))
        return True
    return False


# -- polls ---------------------------------------------------------------------------------------------
def _poll_vote(ctx: InboundContext) -> bool:
    """A short reply naming an option is a vote, whoever sends it (a public poll has no recipient
    list). "That is not an option" answers only someone who was sent the poll
    (`polls.was_sent`) with a reply close to an option (`core.close_to_option`); any other text
    ("Hours?") goes on to keyword rules and agents."""
    poll = polls.open_for(ctx.session, ctx.channel.id, ctx.at)
    if poll is None or not core.looks_like_answer(ctx.body):
        return False
    author = POLL_AUTHOR.format(id=poll.id)
    option = core.match_option(poll.options, ctx.body)
    if option is None:
        if not core.close_to_option(poll.options, ctx.body):
            return False
        if not polls.was_sent(ctx.session, poll, ctx.contact_id, author):
            return False
        _reply(ctx, core_rules.render(poll.invalid_reply, {"choices": poll.choices()}), author)
        return True
    outcome = polls.vote(ctx.session, poll, ctx.contact_id, option.key, ctx.message_id, ctx.at)
    if outcome.counted:
        text = core_rules.render(poll.vote_reply, {"label": option.label, "key": option.key})
    else:
        label = next((o.label for o in poll.options if o.key == outcome.previous), outcome.previous or "")
        text = core_rules.render(polls.ALREADY_VOTED_REPLY, {"label": label})
    _reply(ctx, text, author)
    return True


# -- the runner's tick ---------------------------------------------------------------------------------
def tick(db: Database, now: datetime | None = None) -> int:
    """One cycle of time-driven engagement work; returns outbox rows queued."""
    now = now or datetime.now(UTC)
    queued = broadcasts.run_due(db, now)
    with db.write() as session:
        surveys.expire_due(session, now)
        surveys.stop_opted_out(session, now)
    queued += ask_csat(db, now)
    broadcasts.finish_sent(db)
    return queued
