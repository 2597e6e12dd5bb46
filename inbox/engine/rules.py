"""Custom keyword rules as a step of the inbound chain, plus the test bench and the replay.

One planner decides what a message would trigger, reading only; the live step applies that plan
inside the ingest transaction, while `inbox keywords test` and `replay` just show it. Sharing the
planner is what makes the test bench truthful.

Its place in the chain is declared once, in `engine.automation.STEPS` (after compliance, verification
and engagement); the fallback when nothing matched is this step's too. Within this step: a flagged
conversation or an opted-out contact is never auto-answered; a YES confirms pending list
subscriptions; then rules by priority; then the fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy.orm import Session

from inbox.core import keywords
from inbox.core import rules as core_rules
from inbox.core.keywords import Compliance
from inbox.core.models import Channel, ConversationStatus
from inbox.core.rules import ActionKind, RuleSpec
from inbox.engine import compliance
from inbox.store import contacts, conversations, lists, optouts
from inbox.store import rules as rule_store
from inbox.store.rules import StoredRule

if TYPE_CHECKING:
    from inbox.engine.inbound import InboundContext

FALLBACK_AUTHOR = "fallback:after-hours"
ACK_EVERY = timedelta(hours=12)

JOIN_OK = "You have joined {list}. Reply LEAVE {list} to leave, STOP to opt out of all messages."
JOIN_CONFIRM = "Reply YES to confirm you want to join {list}."
JOIN_ALREADY = "You are already on {list}."
CONFIRMED = "Thanks! You are now on {list}. Reply LEAVE {list} to leave, STOP to opt out of all messages."
LEAVE_OK = "You have left {list}."
NOT_MEMBER = "You are not on {list}."
UNKNOWN_LIST = "Sorry, there is no list called {list}. Lists: {lists}."
NO_LIST_GIVEN = "Which list? Text {keyword} followed by one of: {lists}."


def author_for(rule_name: str) -> str:
    """How an automatic reply is attributed in the thread."""
    return f"rule:{rule_name}"


@dataclass
class Plan:
    """What a message would trigger. `handled` ends the chain; replies go out as the rule."""

    step: str  # compliance, skipped, rules, fallback
    rule: StoredRule | None = None
    author: str | None = None
    reply: str | None = None
    handled: bool = False
    reason: str = ""
    list_changes: list[tuple[int, str, str]] = field(default_factory=list)  # (list id, new state, list name)
    tag: str | None = None
    assignee: str | None = None
    status: str | None = None
    lookup_url: str | None = None
    lookup_variables: dict[str, str] = field(default_factory=dict)
    effects: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who wrote, where, what: enough to plan without a stored message (the test bench)."""

    channel: Channel
    phone: str
    body: str
    at: datetime
    contact_id: int | None = None
    conversation_id: int | None = None
    display_name: str | None = None


def base_variables(subject: Subject, settings: core_rules.RuleSetSettings) -> dict[str, str]:
    from zoneinfo import ZoneInfo

    return {
        "first_name": core_rules.first_name(subject.display_name),
        "number": subject.phone,
        "date": subject.at.astimezone(ZoneInfo(settings.timezone)).date().isoformat(),
    }


def lookup_url(template: str, variables: dict[str, str]) -> str:
    """The backend URL with customer-derived values percent-encoded (they are untrusted)."""
    return core_rules.render(template, {k: quote(v, safe="") for k, v in variables.items()})


def plan(session: Session, subject: Subject, specs: list[StoredRule] | None = None) -> Plan:
    """Decide, reading only. `specs` replaces the stored rules (a draft being replayed)."""
    found = keywords.classify(subject.body)
    opted_out = subject.contact_id is not None and optouts.is_opted_out(session, subject.contact_id, subject.channel.id)
    if found is not None:
        family, word = found
        if not (family is Compliance.OPT_IN and word == "YES" and not opted_out):
            return _compliance_plan(subject, family, word, opted_out)
    if keywords.opt_out_intent(subject.body):
        return Plan("skipped", reason="reads like an opt-out request: flagged for an agent, no automatic reply")
    if subject.conversation_id is not None:
        summary = conversations.summary(session, subject.conversation_id)
        if summary is not None and summary.flagged:
            return Plan("skipped", reason="the conversation is flagged for a possible opt-out: an agent decides")
    if opted_out:
        return Plan("skipped", reason="the contact has opted out of this channel: no automatic reply")
    settings = rule_store.settings(session, subject.channel.id)
    variables = base_variables(subject, settings)
    confirm = _confirm_plan(session, subject, variables)
    if confirm is not None:
        return confirm
    stored = specs if specs is not None else rule_store.enabled_specs(session, subject.channel.id)
    by_spec = {id(s.spec): s for s in stored}
    match = core_rules.evaluate([s.spec for s in stored], subject.body, channel_id=subject.channel.id, at=subject.at)
    if match is None:
        return _fallback_plan(session, subject, settings, variables)
    rule = by_spec[id(match.rule)]
    variables = {**variables, "keyword": match.keyword, "first_word": match.first_word}
    result = Plan("rules", rule=rule, author=author_for(rule.spec.name), handled=True)
    _apply_action(session, subject, match, variables, result)
    return result


def _compliance_plan(subject: Subject, family: Compliance, word: str, opted_out: bool) -> Plan:
    provider = subject.channel.provider_handles_opt_out and keywords.provider_exact_keyword(subject.body)
    text = {
        Compliance.OPT_OUT: compliance.OPT_OUT_REPLY,
        Compliance.OPT_IN: compliance.OPT_IN_REPLY,
        Compliance.HELP: subject.channel.help_text or compliance.DEFAULT_HELP,
    }[family]
    if family is Compliance.HELP and opted_out:
        text = None
    result = Plan("compliance", reply=None if provider else text, handled=True, reason=f"{family.value} ({word})")
    if provider:
        result.effects.append("the provider sends its own confirmation")
    return result


def _confirm_plan(session: Session, subject: Subject, variables: dict[str, str]) -> Plan | None:
    """A YES from a contact with pending double opt-in sign-ups confirms them all."""
    if subject.contact_id is None or core_rules.without_courtesy(core_rules.words(subject.body)) != ("YES",):
        return None
    waiting = lists.pending(session, subject.contact_id, subject.channel.id)
    if not waiting:
        return None
    names = ", ".join(lst.name for lst, _ in waiting)
    via = waiting[0][1] or "lists"
    result = Plan("rules", author=author_for(via), handled=True, reason="confirms a pending subscription")
    result.reply = core_rules.render(CONFIRMED, {**variables, "list": names})
    for lst, _ in waiting:
        result.list_changes.append((lst.id, lists.MEMBER, lst.name))
        result.effects.append(f"confirm membership of {lst.name}")
    return result


def _fallback_plan(
    session: Session, subject: Subject, settings: core_rules.RuleSetSettings, variables: dict[str, str]
) -> Plan:
    result = Plan("fallback", reason="no rule matched: the conversation stays open for an agent")
    if not settings.ack_text or settings.within_hours(subject.at):
        return result
    if subject.conversation_id is not None:
        last = rule_store.last_reply_at(session, subject.conversation_id, FALLBACK_AUTHOR)
        if last is not None and subject.at - last < ACK_EVERY:
            return result
    result.author = FALLBACK_AUTHOR
    result.reply = core_rules.render(settings.ack_text, variables)
    result.effects.append("outside business hours: acknowledge once")
    return result


def _list_names(session: Session) -> str:
    return ", ".join(lst.name for lst in lists.all_lists(session)) or "none yet"


def _apply_action(
    session: Session, subject: Subject, match: core_rules.Match, variables: dict[str, str], result: Plan
) -> None:
    act = match.rule.action
    kind = act.kind
    if kind in (ActionKind.JOIN, ActionKind.LEAVE):
        _list_action(session, subject, match, variables, result)
        return
    if kind is ActionKind.LOOKUP:
        result.lookup_variables = variables
        result.lookup_url = lookup_url(act.url, variables)
        result.effects.append(f"call the backend (GET, {act.timeout:g} s timeout), then reply from its JSON")
        return
    if kind is ActionKind.TAG:
        result.tag = act.tag
        result.effects.append(f"tag the conversation {act.tag!r}")
    elif kind is ActionKind.ASSIGN:
        result.assignee = act.assignee
        result.status = ConversationStatus.OPEN.value
        result.effects.append(f"assign to {act.assignee} and open the conversation")
    elif kind is ActionKind.STATUS:
        result.status = act.status
        result.effects.append(f"set the status to {act.status}")
    if act.reply:
        result.reply = core_rules.render(act.reply, variables)


def _list_action(
    session: Session, subject: Subject, match: core_rules.Match, variables: dict[str, str], result: Plan
) -> None:
    act = match.rule.action
    name = act.list_name or (match.args[0] if match.args else "")
    joining = act.kind is ActionKind.JOIN
    if not name:
        if joining:
            result.reply = core_rules.render(NO_LIST_GIVEN, {**variables, "lists": _list_names(session)})
            return
        left = lists.joined(session, subject.contact_id, subject.channel.id) if subject.contact_id else []
        for lst in left:
            result.list_changes.append((lst.id, lists.LEFT, lst.name))
            result.effects.append(f"leave {lst.name}")
        shown = ", ".join(lst.name for lst in left)
        template = act.reply or (LEAVE_OK if left else NOT_MEMBER)
        result.reply = core_rules.render(template, {**variables, "list": shown or "any list"})
        return
    lst = lists.get(session, name)
    if lst is None:
        key = lists.list_key(name)
        result.reply = core_rules.render(UNKNOWN_LIST, {**variables, "list": key, "lists": _list_names(session)})
        return
    variables = {**variables, "list": lst.name}
    state = lists.state_of(session, lst.id, subject.contact_id, subject.channel.id) if subject.contact_id else None
    if joining:
        if state == lists.MEMBER:
            result.reply = core_rules.render(JOIN_ALREADY, variables)
            return
        new_state = lists.PENDING if lst.double_opt_in else lists.MEMBER
        result.list_changes.append((lst.id, new_state, lst.name))
        result.effects.append(f"join {lst.name}" + (" (waiting for YES)" if new_state == lists.PENDING else ""))
        template = JOIN_CONFIRM if new_state == lists.PENDING else (act.reply or JOIN_OK)
    else:
        if state not in (lists.MEMBER, lists.PENDING):
            result.reply = core_rules.render(NOT_MEMBER, variables)
            return
        result.list_changes.append((lst.id, lists.LEFT, lst.name))
        result.effects.append(f"leave {lst.name}")
        template = act.reply or LEAVE_OK
    result.reply = core_rules.render(template, variables)


# -- the live step -----------------------------------------------------------------------------------
def step(ctx: InboundContext) -> bool:
    """The automation step: plan, then write the plan's rows in the ingest transaction."""
    contact = contacts.get(ctx.session, ctx.contact_id)
    subject = Subject(
        channel=ctx.channel,
        phone=ctx.contact_phone,
        body=ctx.body,
        at=ctx.at,
        contact_id=ctx.contact_id,
        conversation_id=ctx.conversation_id,
        display_name=contact.display_name if contact else None,
    )
    decided = plan(ctx.session, subject)
    if decided.step in ("compliance", "skipped"):
        return False
    apply(ctx.session, ctx, decided)
    return decided.handled


def apply(session: Session, ctx: InboundContext, decided: Plan) -> None:
    rule_name = decided.rule.spec.name if decided.rule else None
    for list_id, state, _name in decided.list_changes:
        lists.set_state(
            session,
            list_id,
            ctx.contact_id,
            ctx.channel.id,
            state,
            reason="confirm" if decided.rule is None else "keyword",
            at=ctx.at,
            source_message_id=ctx.message_id,
            via_rule=rule_name,
        )
    if decided.tag:
        conversations.set_labels(
            session, ctx.conversation_id, [*conversations.labels(session, ctx.conversation_id), decided.tag]
        )
    fields: dict[str, object] = {}
    if decided.assignee:
        fields["assignee"] = decided.assignee
    if decided.status:
        fields["status"] = decided.status
    if fields:
        conversations.set_fields(session, ctx.conversation_id, **fields)
    if decided.lookup_url is not None and decided.rule is not None:
        rule_store.queue_lookup(
            session,
            message_id=ctx.message_id,
            conversation_id=ctx.conversation_id,
            channel_id=ctx.channel.id,
            contact_id=ctx.contact_id,
            rule=decided.rule,
            variables=decided.lookup_variables,
            at=ctx.at,
        )
    if decided.reply and decided.author:
        ctx.reply(decided.reply, decided.author)


# -- replay --------------------------------------------------------------------------------------------
@dataclass
class ReplayReport:
    messages: int = 0
    changed: int = 0
    fired_now: dict[str, int] = field(default_factory=dict)
    fired_draft: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, str]] = field(default_factory=list)


def _label(p: Plan) -> str:
    return p.rule.spec.name if p.rule else p.step


def replay(
    session: Session,
    draft: list[RuleSpec],
    since: datetime,
    *,
    channel_id: int | None = None,
    max_examples: int = 10,
) -> ReplayReport:
    """Run the stored rules and a draft over past inbound messages; report what would change.
    Contact state (lists, opt-outs, flags) is today's, not the state at the time of each message."""
    from inbox.store import channels

    report = ReplayReport()
    draft_rules = [StoredRule(core_rules.validate(s), 0, since, "draft") for s in draft]
    channel_cache: dict[int, Channel | None] = {}
    for past in rule_store.inbound_since(session, since, channel_id):
        channel = channel_cache.setdefault(past.channel_id, channels.get(session, past.channel_id))
        if channel is None:
            continue
        subject = Subject(channel, past.phone, past.body, past.at, past.contact_id, None, past.display_name)
        now_plan = plan(session, subject)
        draft_plan = plan(session, subject, [r for r in draft_rules if r.spec.applies_to(channel.id)])
        report.messages += 1
        for plan_, counts in ((now_plan, report.fired_now), (draft_plan, report.fired_draft)):
            counts[_label(plan_)] = counts.get(_label(plan_), 0) + 1
        before = (_label(now_plan), now_plan.reply, now_plan.lookup_url)
        after = (_label(draft_plan), draft_plan.reply, draft_plan.lookup_url)
        if before != after:
            report.changed += 1
            if len(report.examples) < max_examples:
                report.examples.append(
                    {
                        "at": past.at.isoformat(),
                        "message": past.body[:160],
                        "now": f"{before[0]}: {before[1] or before[2] or '(no reply)'}",
                        "draft": f"{after[0]}: {after[1] or after[2] or '(no reply)'}",
                    }
                )
    return report
