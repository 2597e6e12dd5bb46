"""The use cases a person triggers (agent, supervisor, admin), as one facade.

Every method blocks on the database: call them from a worker thread (the UI's `op` helper), never
from the GUI thread. Results are frozen core dataclasses, safe to hand to any thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from inbox.core import attribution, phone, segments, typed_text, unseen
from inbox.core import mentions as mention_rule
from inbox.core.events import ConversationsChanged, EventBus, MessagesChanged
from inbox.core.models import (
    AuthorKind,
    Channel,
    Contact,
    ConversationStatus,
    ConversationSummary,
    Direction,
    Message,
    MessageStatus,
    OptOutSource,
    OptOutState,
    SearchHit,
)
from inbox.engine import assignment
from inbox.store import (
    agents,
    audit,
    authors,
    channels,
    contacts,
    conversations,
    health,
    leases,
    lists,
    mentions,
    messages,
    optouts,
    search,
    visibility,
)
from inbox.store.agents import PermissionDenied, Role
from inbox.store.db import Database
from inbox.store.models import MessageRow, max_length

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

AGENT_NAME_MAX = max_length(MessageRow.author)


def check_agent_name(name: str) -> str:
    """An agent name as recorded on replies: printable, at most the author column's size
    (typed_text.InvalidText otherwise). The CLI's --agent and the settings dialog use it too."""
    return typed_text.printable_line(name, "The agent name", AGENT_NAME_MAX)


class SendRefused(Exception):
    """The reply was not queued; `reason` is a sentence to show the agent as-is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoSuchChannel(SendRefused):
    """`send_to` named a channel that does not exist."""


class UnknownAfter(SendRefused):
    """`after` names no message of this conversation: the check it asks for cannot be made."""


class StaleReply(SendRefused):
    """Held, not queued: since the message the agent last saw (`after`), the customer wrote or
    someone else (a colleague, an automation) answered. `newer` holds those messages, oldest first;
    sending again with `force=True` sends anyway."""

    def __init__(self, newer: tuple[Message, ...], now: datetime) -> None:
        self.at = now
        self.landed = unseen.landed(newer, now)  # "Alice replied 20 s ago: “…”" (customer text: untrusted)
        # What a log line gets (str of the exception) names no customer text; the agent reads `reason`.
        super().__init__("Not sent: the conversation moved on since the message the agent saw")
        self.reason = f"Not sent: {self.landed}. Read it, then send again or send anyway"
        self.newer = newer


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    # "mine", "mentions", "unassigned", "open", "pending", "snoozed", "resolved", "all"
    view: str = "open"
    agent: str | None = None  # for "mine" and "mentions"
    sort: str = "activity"  # "activity" (newest first) or "waiting" (longest wait first)
    channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class ContactDetails:
    contact: Contact
    opt_outs: tuple[OptOutState, ...]  # current state per channel
    opt_out_history: tuple[OptOutState, ...]  # newest first
    conversations: tuple[ConversationSummary, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    channel_id: int
    channel_name: str
    last_poll_ok_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_retry_at: datetime | None
    backlog: int = 0  # outbound messages waiting to be sent


@dataclass(frozen=True, slots=True)
class SendPreview:
    encoding: str
    segments: int
    units: int
    ucs2_chars: tuple[str, ...] = field(default_factory=tuple)


def _labelled(s: Session, msgs: list[Message]) -> list[Message]:
    """Automatic messages with their author in words ("Poll “Lunch?”", not "poll:1")."""
    auto = {m.author for m in msgs if m.author_kind == AuthorKind.AUTOMATION and m.author}
    if not auto:
        return msgs
    names = authors.names(s, auto)
    return [
        replace(m, author_label=attribution.label(m.author, names.get(m.author)))
        if m.author_kind == AuthorKind.AUTOMATION and m.author
        else m
        for m in msgs
    ]


class InboxService:
    """Agent-facing use cases. Thread-safe: each call opens its own session."""

    MAX_BODY = segments.MAX_BODY_CHARS  # longer texts are refused rather than split silently

    def __init__(
        self,
        db: Database,
        events: EventBus | None = None,
        agent: str = "agent",
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.events = events or EventBus()
        self.agent = agent
        self._on_queued = on_queued  # wakes the sender so a reply leaves at once

    # -- reading -------------------------------------------------------------------------------
    def conversations_page(self, flt: ConversationFilter, offset: int, limit: int) -> list[ConversationSummary]:
        with self.db.read() as s:
            self._actor(s)  # an unknown agent of a defined team sees nothing
            return conversations.page(
                s,
                view=flt.view,
                agent=flt.agent or self.agent,
                sort=flt.sort,
                channel_id=flt.channel_id,
                offset=offset,
                limit=limit,
            )

    def conversations_count(self, flt: ConversationFilter) -> int:
        with self.db.read() as s:
            return conversations.count(s, view=flt.view, agent=flt.agent or self.agent, channel_id=flt.channel_id)

    def conversation_summaries(self, ids: list[int]) -> list[ConversationSummary]:
        """Fresh rows for the ids a change event named (missing ids were deleted)."""
        with self.db.read() as s:
            return conversations.summaries(s, ids)

    def thread_page(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        """Up to `limit` messages older than `before_id` (newest page when None), oldest first."""
        with self.db.read() as s:
            return _labelled(s, messages.page(s, conversation_id, before_id, limit))

    def messages(self, ids: list[int]) -> list[Message]:
        with self.db.read() as s:
            return _labelled(s, messages.get_many(s, ids))

    def contact_details(self, contact_id: int) -> ContactDetails:
        with self.db.read() as s:
            contact = contacts.get(s, contact_id)
            if contact is None:
                raise LookupError(f"no contact {contact_id}")
            convs = tuple(conversations.for_contact(s, contact_id))
            labels: set[str] = set()
            for conv in convs:
                labels.update(conversations.labels(s, conv.id))
            return ContactDetails(
                contact=contact,
                opt_outs=tuple(optouts.for_contact(s, contact_id)),
                opt_out_history=tuple(optouts.history(s, contact_id)),
                conversations=convs,
                labels=tuple(sorted(labels)),
            )

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Literal search over message text (the query is never interpreted as syntax)."""
        with self.db.read() as s:
            return search.messages(s, query, limit)

    def channels(self) -> list[Channel]:
        with self.db.read() as s:
            return channels.all_active(s)

    def channel_health(self) -> list[ChannelHealth]:
        with self.db.read() as s:
            result = []
            for ch in channels.all_active(s):
                record = health.get(s, ch.id)
                result.append(
                    ChannelHealth(
                        channel_id=ch.id,
                        channel_name=ch.name,
                        last_poll_ok_at=record.last_poll_ok_at if record else None,
                        last_error=record.last_error if record and record.consecutive_failures else None,
                        last_error_at=record.last_error_at if record else None,
                        next_retry_at=record.next_retry_at if record and record.consecutive_failures else None,
                        backlog=health.backlog(s, ch.id),
                    )
                )
            return result

    def background_work(self) -> str | None:
        """What the status bar says about polling and sending when this desktop may not do them (an
        agent's login on a team whose agents see only their own conversations): None otherwise."""
        from inbox.engine.leadership import LEASE_NAME

        with self.db.read() as s:
            if not visibility.narrowed_for_me(s):
                return None
            lease = leases.current(s, LEASE_NAME)
            if lease is None or lease.expires_at <= datetime.now(UTC):
                return "Background work: waiting for the team daemon"
            return "Background work: done by the team daemon"

    def unread_total(self) -> int:
        with self.db.read() as s:
            return conversations.unread_total(s)

    # -- acting --------------------------------------------------------------------------------
    def send_reply(self, conversation_id: int, body: str, *, after: int | None = None, force: bool = False) -> Message:
        """Queue an agent reply for the outbox. Raises SendRefused (opted out, empty, too long).

        `after` is the newest message the agent saw: if the customer wrote or someone else
        answered since, StaleReply and nothing is queued, unless `force` ("send anyway")."""
        text = self._checked_body(body)
        with self.db.write() as s:
            if not conversations.lock(s, conversation_id):
                raise SendRefused("This conversation no longer exists")
            conv = conversations.summary(s, conversation_id)
            assert conv is not None
            msg = self._queue_reply(s, conv, text, after=None if force else after)
        return self._queued(msg)

    def send_to(
        self, channel_name: str, to: str, body: str, *, after: int | None = None, force: bool = False
    ) -> Message:
        """Queue an agent's text to a number, starting the contact and conversation if needed
        (`inbox send`). Raises SendRefused (unknown channel, bad number, our own number, opted
        out, empty, too long, not UTF-8, StaleReply as for `send_reply`); when refused, nothing is
        created: a new conversation and its first message are written in one transaction."""
        text = self._checked_body(body)
        try:
            number = phone.normalize(to)
        except phone.InvalidPhoneNumber as exc:
            raise SendRefused(f"Can't send to that number: {exc}") from None
        now = datetime.now(UTC)
        with self.db.write() as s:
            channel = channels.by_name(s, channel_name)
            if channel is None:
                raise NoSuchChannel(f"no channel named {channel_name!r} (see `inbox channel list`)")
            if number == channel.number:
                raise SendRefused(f"Can't send to channel {channel.name}'s own number")
            contact_id = contacts.get_or_create(s, number)
            # None: the row exists but this login may not read it (a colleague's conversation, on a
            # team whose agents see only their own: `store.visibility`)
            conv_id = conversations.get_or_create(s, contact_id, channel.id, now) if contact_id else None
            if conv_id is None:
                raise SendRefused(
                    "Can't send: this customer's conversation is assigned to a colleague "
                    "(ask a supervisor to hand it to you)"
                )
            conversations.lock(s, conv_id)
            conv = conversations.summary(s, conv_id)
            assert conv is not None
            msg = self._queue_reply(s, conv, text, after=None if force else after)  # SendRefused rolls back
        return self._queued(msg)

    def _checked_body(self, body: str) -> str:
        """The reply as it will be sent, or SendRefused (empty, too long, not UTF-8, bad agent name)."""
        try:
            typed_text.require_utf8(body, "The message")
            check_agent_name(self.agent)
        except typed_text.InvalidText as exc:
            raise SendRefused(str(exc)) from None
        text = body.strip()
        if not text:
            raise SendRefused("Nothing to send: the message is empty")
        if len(text) > self.MAX_BODY:
            raise SendRefused(f"Too long: {len(text)} characters (the limit is {self.MAX_BODY})")
        return text

    def _queue_reply(
        self, s, conv: ConversationSummary, text: str, *, after: int | None, retry_of: int | None = None
    ) -> Message:
        """Write the reply row in the caller's transaction; SendRefused (nothing written) if not allowed.

        The caller holds the conversation's lock (`conversations.lock`), so what `after` is checked
        against cannot change before the reply is written: of two agents answering the same message
        at once, the second is told about the first."""
        now = datetime.now(UTC)
        channel = channels.get(s, conv.channel_id)
        assert channel is not None
        if not channel.active:
            raise SendRefused(
                f"Channel {channel.name} was removed: its conversations stay readable, but nothing is sent from it"
            )
        try:
            self._may_work_on(s, conv)
        except PermissionDenied as exc:
            raise SendRefused(str(exc)) from None
        if after is not None:
            if not messages.in_conversation(s, conv.id, after):
                raise UnknownAfter(f"Message {after} is not in this conversation: give the id of its newest message")
            newer = messages.newer_for(s, conv.id, after, self.agent)
            if newer:
                raise StaleReply(tuple(newer), now)
        if conv.contact_phone == channel.number:
            raise SendRefused(f"Can't send to channel {channel.name}'s own number")
        state = optouts.state(s, conv.contact_id, conv.channel_id)
        if state is not None and state.opted_out:
            raise SendRefused(opted_out_reason(state))
        new_id = messages.queue_outbound(
            s,
            channel_id=channel.id,
            conversation_id=conv.id,
            from_number=channel.number,
            to_number=conv.contact_phone,
            body=text,
            author_kind=AuthorKind.AGENT,
            author=self.agent,
            at=now,
            retry_of_id=retry_of,
        )
        assert new_id is not None
        if conv.assignee is None:
            assignment.claim_on_reply(s, channel.id, conv.id, self.agent)
        conversations.touch_outbound(s, conv.id, now, text, by_agent=True)
        if conv.status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
            conversations.set_fields(s, conv.id, status=ConversationStatus.OPEN.value, snoozed_until=None)
        return messages.get_many(s, [new_id])[0]

    def _queued(self, msg: Message) -> Message:
        """After commit: tell the views and wake the sender."""
        self._changed(msg.conversation_id, msg.id)
        if self._on_queued:
            self._on_queued()
        return msg

    def add_note(self, conversation_id: int, body: str) -> Message:
        """Store a private note and, in the same transaction, whom its `@name`s mention
        (`inbox.core.mentions` has the rule; `store.mentions.known_names` the names)."""
        text = body.strip()
        if not text:
            raise SendRefused("The note is empty")
        with self.db.write() as s:
            conv = conversations.summary(s, conversation_id)
            if conv is None:
                raise SendRefused("This conversation no longer exists")
            new_id = messages.add_note(
                s, channel_id=conv.channel_id, conversation_id=conversation_id, body=text, author=self.agent
            )
            named = mention_rule.mentioned(text, mentions.known_names(s), author=self.agent)
            mentions.record(s, new_id, named)
            msg = messages.get_many(s, [new_id])[0]
        self._changed(conversation_id, new_id)
        return msg

    def retry(self, message_id: int) -> Message:
        """Queue a failed MT again (same text, a new row naming it: `retry_of_id`). Once: a message
        already retried is refused, here under the conversation's lock and by the unique index
        between two processes, so two clicks (or two desktops) never send two copies. Raises
        SendRefused when not allowed; the original is then reported changed (it lost its Retry)."""
        with self.db.read() as s:
            old = messages.get_many(s, [message_id])
        if not old:
            raise SendRefused("That message no longer exists")
        original = old[0]
        if (
            original.direction is not Direction.OUTBOUND
            or original.status
            not in (
                MessageStatus.FAILED,
                MessageStatus.UNDELIVERED,
            )
            or original.author_kind not in (AuthorKind.AGENT, AuthorKind.AUTOMATION)
        ):
            raise SendRefused("Only failed messages can be retried")
        text = self._checked_body(original.body)
        try:
            with self.db.write() as s:
                if not conversations.lock(s, original.conversation_id):
                    raise SendRefused("This conversation no longer exists")
                copy = messages.retry_of(s, message_id)
                if copy is not None:
                    raise SendRefused(f"Already retried: message {copy} sends it again")
                conv = conversations.summary(s, original.conversation_id)
                assert conv is not None
                msg = self._queue_reply(s, conv, text, after=None, retry_of=message_id)
        except IntegrityError:
            raise SendRefused("Already retried by someone else just now") from None
        self._changed(original.conversation_id, message_id)
        return self._queued(msg)

    def assign(self, conversation_id: int, agent: str | None) -> None:
        with self.db.write() as s:
            who = self._actor(s)
            conv = conversations.summary(s, conversation_id)
            if conv is None:
                raise LookupError(f"no conversation {conversation_id}")
            if not who.at_least(Role.SUPERVISOR):
                # Agents take free conversations and let go of their own; reassigning is a supervisor's call.
                if agent not in (None, who.name) or conv.assignee not in (None, who.name):
                    raise PermissionDenied(f"Only a supervisor can reassign; {who.name} is an agent")
            conversations.set_fields(s, conversation_id, assignee=agent)
            audit.record(s, self.agent, "assign", f"conversation:{conversation_id}", to=agent)
        self._changed(conversation_id)

    def set_status(
        self, conversation_id: int, status: ConversationStatus, snoozed_until: datetime | None = None
    ) -> StatusChange:
        """Open, resolve, snooze…; returns what it was before, which ``undo_status`` puts back."""
        if status is ConversationStatus.SNOOZED and snoozed_until is None:
            raise ValueError("snoozing needs a time to wake up")
        until = snoozed_until if status is ConversationStatus.SNOOZED else None
        with self.db.write() as s:
            conv = conversations.summary(s, conversation_id)
            if conv is None:
                raise LookupError(f"no conversation {conversation_id}")
            self._may_work_on(s, conv)
            conversations.set_fields(s, conversation_id, status=status.value, snoozed_until=until)
            audit.record(s, self.agent, "status", f"conversation:{conversation_id}", status=status.value)
        self._changed(conversation_id)
        return StatusChange(conversation_id, conv.status, conv.snoozed_until, status, until)

    def undo_status(self, change: StatusChange) -> bool:
        """Put a conversation back as it was before ``change`` — only if nothing moved it since (a new
        text reopening a resolved conversation, a colleague snoozing it): False then, nothing written."""
        with self.db.write() as s:
            conv = (
                conversations.summary(s, change.conversation_id)
                if conversations.lock(s, change.conversation_id)
                else None
            )
            if (
                conv is None
                or conv.status is not change.after
                or not _same_time(conv.snoozed_until, change.after_until)
            ):
                return False
            self._may_work_on(s, conv)
            conversations.set_fields(
                s, change.conversation_id, status=change.before.value, snoozed_until=change.before_until
            )
            audit.record(
                s, self.agent, "status", f"conversation:{change.conversation_id}", status=change.before.value, undo=True
            )
        self._changed(change.conversation_id)
        return True

    def mentions_of_me(self, message_ids: list[int]) -> set[int]:
        """Which of these messages are notes by someone else that mention this agent (the notifier's question)."""
        with self.db.read() as s:
            return mentions.mentioning(s, message_ids, self.agent)

    def my_mentions(self) -> list[mentions.Mention]:
        """This agent's unseen mentions, newest first (`inbox mentions`)."""
        with self.db.read() as s:
            return mentions.unseen(s, self.agent)

    def mark_mentions_seen(self, conversation_id: int) -> int:
        """The agent opened the conversation: its notes mentioning them are seen (it leaves "Mentions")."""
        with self.db.write() as s:
            marked = mentions.mark_seen(s, conversation_id, self.agent, datetime.now(UTC))
        if marked:
            self._changed(conversation_id)
        return marked

    def mark_read(self, conversation_id: int) -> None:
        with self.db.write() as s:
            conversations.set_fields(s, conversation_id, unread_count=0)
        self._changed(conversation_id)

    def rename_contact(self, contact_id: int, name: str | None) -> None:
        with self.db.write() as s:
            contacts.rename(s, contact_id, name)
            ids = [c.id for c in conversations.for_contact(s, contact_id)]
        if ids:
            self.events.publish(ConversationsChanged(frozenset(ids)))

    def set_labels(self, conversation_id: int, labels: list[str]) -> None:
        with self.db.write() as s:
            self._check(s, conversation_id)
            conversations.set_labels(s, conversation_id, labels)
        self._changed(conversation_id)

    def clear_flag(self, conversation_id: int) -> None:
        with self.db.write() as s:
            self._check(s, conversation_id)
            conversations.set_fields(s, conversation_id, flagged=False, flag_reason=None)
            audit.record(s, self.agent, "clear_flag", f"conversation:{conversation_id}")
        self._changed(conversation_id)

    def opt_out(self, conversation_id: int) -> bool:
        """The agent read a possible opt-out in the customer's own words ("please stop texting me
        about the sale") and opts them out of this channel, as a STOP would: recorded with the agent
        as source (and in the audit log by name), off every list of the channel, the flag cleared.
        No confirmation text is sent (the customer did not text a keyword). Returns whether the
        state changed (False: already opted out)."""
        now = datetime.now(UTC)
        with self.db.write() as s:
            self._check(s, conversation_id)
            conv = conversations.summary(s, conversation_id)
            assert conv is not None
            source_id = messages.latest_inbound_id(s, conversation_id)
            changed = optouts.record(
                s,
                conv.contact_id,
                conv.channel_id,
                opted_out=True,
                at=now,
                source=OptOutSource.AGENT,
                source_message_id=source_id,
            )
            conversations.set_fields(s, conversation_id, flagged=False, flag_reason=None)
            lists.leave_all(s, conv.contact_id, conv.channel_id, reason="opt_out", at=now, source_message_id=source_id)
            audit.record(
                s,
                self.agent,
                "opt_out",
                f"contact:{conv.contact_id}",
                channel=conv.channel_id,
                conversation=conversation_id,
                changed=changed,
            )
        self._changed(conversation_id)
        return changed

    def wake_expired_snoozes(self) -> int:
        """Snoozed conversations whose time has come go back to open."""
        now = datetime.now(UTC)
        with self.db.write() as s:
            ids = conversations.due_snoozes(s, now)
            for cid in ids:
                conversations.set_fields(s, cid, status=ConversationStatus.OPEN.value, snoozed_until=None)
        if ids:
            self.events.publish(ConversationsChanged(frozenset(ids)))
        return len(ids)

    # -- permissions -------------------------------------------------------------------------------
    def _actor(self, s) -> agents.Actor:
        try:
            return agents.actor(s, self.agent)
        except agents.UnknownAgent as exc:
            raise PermissionDenied(str(exc)) from None

    def _may_work_on(self, s, conv: ConversationSummary) -> None:
        """Agents work their own and unassigned conversations; supervisors and admins any."""
        who = self._actor(s)
        if who.at_least(Role.SUPERVISOR) or conv.assignee in (None, who.name):
            return
        raise PermissionDenied(f"This conversation is assigned to {conv.assignee}; ask a supervisor to reassign it")

    def _check(self, s, conversation_id: int) -> None:
        conv = conversations.summary(s, conversation_id)
        if conv is None:
            raise LookupError(f"no conversation {conversation_id}")
        self._may_work_on(s, conv)

    def _changed(self, conversation_id: int, message_id: int | None = None) -> None:
        if message_id is not None:
            self.events.publish(MessagesChanged(frozenset({conversation_id}), frozenset({message_id})))
        self.events.publish(ConversationsChanged(frozenset({conversation_id})))


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A status change an agent made: before and after, so it can be undone (``undo_status``)."""

    conversation_id: int
    before: ConversationStatus
    before_until: datetime | None
    after: ConversationStatus
    after_until: datetime | None


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    """Equal instants; SQLite hands timestamps back naive (UTC), the caller's may be aware."""
    if a is None or b is None:
        return a is b
    return a.replace(tzinfo=a.tzinfo or UTC) == b.replace(tzinfo=b.tzinfo or UTC)


def opted_out_reason(state: OptOutState) -> str:
    by = {OptOutSource.PROVIDER: " (provider)", OptOutSource.AGENT: " (by an agent)"}.get(state.source, "")
    how = f" ({state.keyword})" if state.keyword else by
    return f"Can't send: this customer opted out on {state.changed_at:%d %b}{how}"
