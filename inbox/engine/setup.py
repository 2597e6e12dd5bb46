"""Connecting a provider and tuning channels: what the first-run wizard and the settings dialog call.

Why a module of its own: the wizard needs three things the agent facade (``InboxService``) does not
offer — a real "does this account answer?" call before anything is saved, a validated insert of the
channel row, and the per-channel poll interval. Every function here blocks (database or HTTP): the
UI runs them on its worker, never on the GUI thread. Tokens are never stored in the database; only
a reference to where they live ("keyring" or "env:VAR").
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from inbox.core import channel_config, durations, phone, typed_text
from inbox.core import rules as core_rules
from inbox.core.events import ChannelCredentialsChanged, ChannelHealthChanged, EventBus
from inbox.core.models import Channel, PollCursor
from inbox.engine import automation, connection_check, credentials
from inbox.store import audit, channels, conversations, messages
from inbox.store import broadcasts as broadcast_store
from inbox.store import rules as stored_rules
from inbox.store.db import Database, resolve_url
from inbox.store.models import ChannelRow, max_length

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.twilio.com"
MIN_POLL, MAX_POLL = durations.POLL_INTERVAL.low, durations.POLL_INTERVAL.high
SESSION_VAR_PREFIX = credentials.SESSION_VAR_PREFIX
TWILIO_WORDING = connection_check.Wording(
    authentication="Twilio rejected the credentials — check the account SID and auth token"
)
NAME_MAX = max_length(ChannelRow.name)
HELP_TEXT_MAX = channel_config.segments.MAX_BODY_CHARS
_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,100}$")


class SetupRefused(ValueError):
    """A channel that cannot be saved as entered; ``reason`` says what to change."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConnectionFailed(Exception):
    """The test call did not succeed; ``reason`` is a sentence for the wizard."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One line of the read-only "Keyword rules" page, in evaluation order."""

    order: int
    name: str
    keywords: str
    mode: str
    action: str
    scope: str
    enabled: bool


# -- validation ----------------------------------------------------------------------------------
PROVIDERS = ("twilio", "infobip", "sinch", "clicksend")
# Which providers answer STOP/START/HELP themselves by default: the default of "who answers STOP"
# for a new channel. Inbox keeps its own STOP list for every provider whatever this says.
# Sinch: no — its STOP handling depends on the number type and country (carriers answer on US
# 10DLC/toll-free, nothing elsewhere), so Inbox answers unless the person says otherwise.
# ClickSend: no — its SMS API bypasses its opt-out list (that is for campaigns and contact lists).
PROVIDER_ANSWERS_STOP = {"twilio": True, "infobip": False, "sinch": False, "clicksend": False}
# Providers whose requests carry no account id: their account is named by the base URL's host
# (Infobip gives each account its own), which also keys the API key in the keyring.
ACCOUNT_FROM_BASE_URL = frozenset({"infobip"})
# What to ask for when a provider's account identifier is missing.
ACCOUNT_WANTED = {
    "sinch": "Enter the service plan id (--account-sid; it is on the Sinch dashboard's SMS > APIs page)",
    "clicksend": "Enter the ClickSend username (--account-sid; it is on the dashboard's API Credentials page)",
}

# Textlocal: the account id is the inbox id the channel reads (`--inbox-id`, from get_inboxes);
# Textlocal answers no keyword itself unless its customer sets it up, and matches DLT templates
# on its side (docs/providers/textlocal/README.md).
PROVIDERS += ("textlocal",)
PROVIDER_ANSWERS_STOP["textlocal"] = False
ACCOUNT_IS_INBOX_ID = frozenset({"textlocal"})
# SMS Gateway for Android (local server mode): the account id is the app's user (default "sms"),
# the secret its password, the base URL the phone's local address; nobody answers STOP but Inbox.
PROVIDERS += ("android-gateway",)
PROVIDER_ANSWERS_STOP["android-gateway"] = False
PHONE_URL_PROVIDERS = frozenset({"android-gateway"})


def _sentence(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case a channel's name)."""
    return text[:1].upper() + text[1:]


def check_account_sid(sid: str, *, strict: bool = True) -> str:
    """Twilio SIDs are 'AC' + 32 hex digits; Twilio-compatible providers (base URL set) may differ."""
    value = sid.strip()
    if not value:
        raise SetupRefused("Enter the account SID (it starts with AC, on the Twilio console's home page)")
    if strict and not _SID.match(value):
        raise SetupRefused("A Twilio account SID is AC followed by 32 letters and digits")
    try:
        return typed_text.printable_line(value, "The account SID", max_length(ChannelRow.account_sid))
    except typed_text.InvalidText as exc:
        raise SetupRefused(str(exc)) from None


def check_provider(provider: str) -> str:
    """The providers Inbox can talk to (Twilio and Twilio-compatible ones, Infobip)."""
    if provider in PROVIDERS:
        return provider
    from importlib.metadata import entry_points

    installed = sorted(ep.name for ep in entry_points(group="inbox.providers"))
    if provider not in installed:
        raise SetupRefused(f"Unknown provider {provider!r} (available: {', '.join([*PROVIDERS, *installed])})")
    return provider


def provider_answers_stop(provider: str) -> bool:
    """The default of "does the provider answer STOP/START/HELP itself?" for a new channel. For a
    provider Inbox knows nothing about: no, so Inbox answers (a customer confirmed twice is better
    than one never confirmed)."""
    return PROVIDER_ANSWERS_STOP.get(provider, False)


# Account identifiers with a known shape, checked before anything is asked of the provider: a
# Textlocal inbox id is a number ("-5" or "٣" was saved), a Sinch service plan id is ASCII hex-like.
ACCOUNT_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "textlocal": (
        re.compile(r"[0-9]{1,20}"),
        "A Textlocal inbox id is a number, as get_inboxes lists it (--test-connection shows them)",
    ),
    "sinch": (
        re.compile(r"[0-9A-Za-z]{1,64}"),
        "A Sinch service plan id is letters and digits (it is on the Sinch dashboard's SMS > APIs page)",
    ),
}


def account_for(provider: str, account_sid: str | None, base_url: str | None) -> str:
    """The account identifier a channel is stored under: as given, else (providers without one)
    the base URL's host."""
    if account_sid and account_sid.strip():
        value = account_sid.strip()
        shape = ACCOUNT_SHAPES.get(provider)
        if shape is not None and not shape[0].fullmatch(value):
            raise SetupRefused(shape[1])
        return value
    if provider in PHONE_URL_PROVIDERS:
        raise SetupRefused(
            "Enter the user set in the app's Local Server settings (--account-sid; the app's default is sms)"
        )
    if provider in ACCOUNT_IS_INBOX_ID:
        raise SetupRefused("Enter the Textlocal inbox id (--inbox-id; Inbox lists them with --test-connection)")
    if provider in ACCOUNT_FROM_BASE_URL:
        if not base_url:
            raise SetupRefused(
                f"Enter the base URL of your {provider.title()} account (it is on your account's API page)"
            )
        return urlsplit(base_url.strip()).hostname or base_url.strip()
    if provider in ACCOUNT_WANTED:
        raise SetupRefused(ACCOUNT_WANTED[provider])
    raise SetupRefused("Enter the account SID (it starts with AC, on the Twilio console's home page)")


def check_dlt_id(value: str | None) -> str | None:
    """A DLT principal entity ID or header: printable, one line, 1 to 30 characters."""
    if value is None or not value.strip():
        return None
    try:
        return typed_text.printable_line(value.strip(), "The DLT ID", 30)
    except typed_text.InvalidText as exc:
        raise SetupRefused(str(exc)) from None


def check_name(name: str) -> str:
    """A channel name: printable, one line, at most NAME_MAX characters (the column's size)."""
    try:
        return typed_text.printable_line(name, "The channel name", NAME_MAX)
    except typed_text.InvalidText as exc:
        raise SetupRefused(str(exc)) from None


def check_help_text(text: str) -> str:
    """The HELP reply, if the provider accepts it in one message (the refusal gives its segments)."""
    try:
        return channel_config.check_help_text(text, HELP_TEXT_MAX)
    except channel_config.InvalidChannelConfig as exc:
        raise SetupRefused(str(exc)) from None


def check_poll_interval(seconds: object) -> float:
    try:
        return durations.POLL_INTERVAL.check(seconds)
    except durations.InvalidDuration as exc:
        raise SetupRefused(_sentence(str(exc))) from None


def check_number(number: str, *, strict: bool = False) -> str:
    """The channel's number in E.164 (or a 5-6 digit short code). With `strict` (the connection
    test against Twilio's own API), a number no country assigns is refused too: Twilio cannot own
    it. A simulator or a Twilio-compatible provider (base URL set) may use fictional numbers like
    +1 555 0..., and so may a channel saved without a test."""
    try:
        e164 = phone.normalize(number)
        return phone.check_valid(e164) if strict else e164
    except phone.InvalidPhoneNumber as exc:
        raise SetupRefused(f"The number is not valid: {exc}") from None


def check_base_url(url: str | None, provider: str = "twilio") -> str | None:
    """`provider` android-gateway: the phone's local address (plain http on a private network)."""
    try:
        if provider in PHONE_URL_PROVIDERS:
            from inbox.core.phone_gateway import check_phone_url

            return check_phone_url(url)
        value = channel_config.check_base_url(url, DEFAULT_BASE_URL)
    except channel_config.InvalidChannelConfig as exc:
        raise SetupRefused(str(exc)) from None
    if value is not None and len(value) > (max_length(ChannelRow.base_url) or len(value)):
        raise SetupRefused(f"The base URL is longer than {max_length(ChannelRow.base_url)} characters")
    return value


def check_env_var(name: str) -> str:
    value = name.strip()
    if not _ENV_VAR.match(value):
        raise SetupRefused("An environment variable name is letters, digits and _, not starting with a digit")
    return value


# -- credentials ---------------------------------------------------------------------------------
def keyring_usable() -> bool:
    """Whether an OS keyring backend can hold the token (headless servers often have none)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - any failure means "no keyring here"
        return False
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0


def token_ref(account_sid: str, how: str, env_var: str = "") -> str:
    """The ``auth_token_ref`` that `remember_token` will return, without keeping anything yet."""
    if how == "keyring":
        return credentials.keyring_ref()
    if how == "session":
        return credentials.env_ref(check_env_var(env_var) if env_var else SESSION_VAR_PREFIX + account_sid[-8:].upper())
    if how == "env":
        return credentials.env_ref(check_env_var(env_var))
    raise SetupRefused(f"unknown place for the token: {how!r}")


def remember_token(account_sid: str, token: str, how: str, env_var: str = "") -> str:
    """Put the token where the engine will find it; returns the channel's ``auth_token_ref``.

    Args:
        how: "keyring" (OS keyring), "session" (this process only: lost when the app quits) or
            "env" (the person exports ``env_var`` themselves before starting the app).
    """
    if how == "keyring":
        try:
            credentials.store_in_keyring(account_sid, token)
        except credentials.MissingCredentials:
            raise SetupRefused(
                "The system keyring did not accept the token. Keep it for this session only, "
                "or put it in an environment variable."
            ) from None
        return credentials.keyring_ref()
    if how == "session":
        var = check_env_var(env_var) if env_var else SESSION_VAR_PREFIX + account_sid[-8:].upper()
        credentials.keep_in_process(var, token)
        return credentials.env_ref(var)
    if how == "env":
        var = check_env_var(env_var)
        if token and not os.environ.get(var):
            credentials.keep_in_process(var, token)  # works now; the person still has to export it for next time
        return credentials.env_ref(var)
    raise SetupRefused(f"unknown place for the token: {how!r}")


def _session_var(channel: Channel) -> str | None:
    """The variable name a session-only token is held under, None for tokens kept elsewhere."""
    ref = channel.auth_token_ref
    return ref[len("env:") :] if ref.startswith(credentials.env_ref(SESSION_VAR_PREFIX)) else None


def needs_session_token(channel: Channel) -> bool:
    """A channel whose token was kept "for this session only", in a later session: the person has
    to type it again. An in-memory check, cheap enough for the GUI thread."""
    var = _session_var(channel)
    return var is not None and not credentials.held(var)


def supply_session_token(channel: Channel, token: str, events: EventBus | None = None) -> str:
    """Check `token` against the provider, then keep it in this process for `channel` and have the
    runner retry at once. A token the provider refuses raises ConnectionFailed and keeps nothing.
    Returns the connection test's sentence."""
    var = _session_var(channel)
    if var is None:
        raise SetupRefused(f"channel {channel.name} does not keep its token for one session")
    token = token.strip()
    sentence = check_connection(channel.account_sid, token, channel.number, channel.base_url, channel.provider)
    credentials.keep_in_process(var, token)
    log.info("channel %s: session token supplied", channel.name)
    if events is not None:
        events.publish(ChannelCredentialsChanged(channel.id))
    return sentence


# -- the real call -------------------------------------------------------------------------------
def check_connection(
    account_sid: str, token: str, number: str, base_url: str | None = None, provider: str = "twilio"
) -> str:
    """Ask the provider for the newest inbound messages of ``number``: proves the SID, the token and
    the address all work, without sending anything. Returns a sentence for the wizard."""
    if provider == "infobip":
        return _check_infobip(token, number, base_url)
    if provider == "sinch":
        return _check_sinch(account_sid, token, number, base_url)
    if provider == "clicksend":
        return _check_clicksend(account_sid, token, number, base_url)
    if provider in PHONE_URL_PROVIDERS:
        from inbox.engine import phone_setup

        try:
            return phone_setup.check_connection(
                account_sid, token, check_number(number), check_base_url(base_url, provider)
            )
        except phone_setup.Refused as exc:
            raise ConnectionFailed(str(exc)) from None
    if provider == "textlocal":
        from inbox.engine import textlocal_setup

        try:
            return textlocal_setup.check_connection(account_sid, token, check_number(number), check_base_url(base_url))
        except textlocal_setup.Refused as exc:
            raise ConnectionFailed(str(exc)) from None
    from inbox.providers.twilio import TwilioProvider

    sid = account_sid.strip()
    url = check_base_url(base_url) or DEFAULT_BASE_URL
    if not token:
        raise ConnectionFailed("Enter the auth token first")
    # Twilio's own API can only own a number some country assigns: refused before any call.
    try:
        e164 = check_number(number, strict=url == DEFAULT_BASE_URL)
    except SetupRefused as exc:
        raise ConnectionFailed(exc.reason) from None
    shown = phone.display(e164)
    provider = TwilioProvider(sid, token, e164, base_url=url, page_size=20)
    host = url.split("://", 1)[-1]

    def answered() -> tuple[Any, bool | None]:
        return provider.fetch_inbound(PollCursor(datetime.now(UTC))), provider.owns_number()

    batch, owned = connection_check.judged(answered, provider.close, host, ConnectionFailed, TWILIO_WORDING)
    if owned is False:
        what = "short code" if phone.is_short_code(e164) else "number"
        raise ConnectionFailed(
            f"The account answered, but it does not own the {what} {shown}: check the number "
            "(Twilio console ▸ Phone Numbers ▸ Active numbers) or the account SID"
        )
    recent = len(batch.messages)
    tail = f"; {recent} message(s) in the last minute" if recent else ""
    if owned is None:
        unchecked = f"this provider does not list its numbers, so {shown} was not checked"
        return f"Connected to {host} — the account answered{tail}; {unchecked}"
    return f"Connected to {host} — the account answered and owns {shown}{tail}"


def _check_infobip(token: str, number: str, base_url: str | None) -> str:
    """Infobip's inbox is consumed by reading it, so the test reads the logs instead (one record):
    it proves the key and the address without taking a customer's message from the poller."""
    from inbox.providers.infobip import DEFAULT_BASE_URL, InfobipProvider

    if not token:
        raise ConnectionFailed("Enter the API key first")
    url = check_base_url(base_url) or DEFAULT_BASE_URL
    return _checked(InfobipProvider(token, check_number(number), base_url=url), url, "Infobip")


def _check_sinch(service_plan_id: str, token: str, number: str, base_url: str | None) -> str:
    """One page of one inbound (the list is re-readable, nothing is consumed): proves the service
    plan id, the API token and the region's address."""
    from inbox.providers.sinch import SinchProvider, base_url_for

    if not token:
        raise ConnectionFailed("Enter the API token first")
    url = check_base_url(base_url) or base_url_for("us")
    return _checked(SinchProvider(service_plan_id.strip(), token, check_number(number), base_url=url), url, "Sinch")


def _check_clicksend(username: str, api_key: str, number: str, base_url: str | None) -> str:
    """GET /v3/account: proves the username, the API key and the address; reads no message (the
    unread list must stay unread for the poller)."""
    from inbox.providers.clicksend import DEFAULT_BASE_URL as CLICKSEND_URL
    from inbox.providers.clicksend import ClickSendProvider

    if not api_key:
        raise ConnectionFailed("Enter the API key first")
    url = check_base_url(base_url) or CLICKSEND_URL
    return _checked(ClickSendProvider(username.strip(), api_key, check_number(number), base_url=url), url, "ClickSend")


def _checked(provider: Any, url: str, label: str) -> str:
    """Run an adapter's `check()` and say what happened in a sentence for the wizard."""
    host = url.split("://", 1)[-1]
    connection_check.judged(provider.check, provider.close, host, ConnectionFailed)
    return f"Connected to {host} — the {label} account answered"


# -- channels ------------------------------------------------------------------------------------
def database_url(url: str | None = None) -> str:
    """The database a command opens: `url`, else $INBOX_DATABASE_URL, else the per-user default."""
    return resolve_url(url)


def open_database(url: str | None = None) -> Database:
    """The inbox database at `url` (see `database_url`), migrated to this version's schema. For
    front ends that hold no store types of their own (the desktop)."""
    db = Database(url)
    db.upgrade()
    return db


def has_channel(db: Database) -> bool:
    with db.read() as s:
        return bool(channels.all_active(s))


def add_channel(
    db: Database,
    *,
    name: str,
    account_sid: str,
    number: str,
    auth_token_ref: str,
    base_url: str | None = None,
    provider: str = "twilio",
    provider_handles_opt_out: bool = True,
    poll_interval_seconds: float = 5.0,
    help_text: str = "",
    events: EventBus | None = None,
    store_token: Callable[[], None] | None = None,
    actor: str = "admin",
    dlt_entity_id: str | None = None,
    dlt_telemarketer_id: str | None = None,
    dlt_sender_id: str | None = None,
) -> Channel:
    """Validate and insert a channel (nothing is written when any value is refused). Raises
    SetupRefused with what to fix: the name, URL, SID, number, poll interval or help text, or a
    second active channel on the same number of the same provider account.

    ``store_token`` (the CLI's keyring write) runs only once the channel row is accepted, inside
    its transaction: a refused channel never overwrites the token of an existing one.

    Every front end (the set-up wizard, `inbox channel add`, the demo) comes through here, so each
    added channel leaves one audit entry by ``actor`` and one ``ChannelHealthChanged`` on ``events``."""
    check_provider(provider)
    clean_name = check_name(name)
    url = check_base_url(base_url, provider)
    if provider in ACCOUNT_FROM_BASE_URL:
        account_sid = account_for(provider, account_sid, url)
    sid = check_account_sid(account_sid, strict=url is None and provider == "twilio")
    e164 = check_number(number)
    if not (auth_token_ref == "keyring" or auth_token_ref.startswith("env:")):
        raise SetupRefused("The token must live in the keyring or an environment variable")
    if len(auth_token_ref) > (max_length(ChannelRow.auth_token_ref) or len(auth_token_ref)):
        raise SetupRefused("The environment variable name is too long")
    interval = check_poll_interval(poll_interval_seconds)
    help_reply = check_help_text(help_text)
    with db.write() as s:
        try:
            channel = channels.add(
                s,
                name=clean_name,
                provider=provider,
                number=e164,
                account_sid=sid,
                base_url=url,
                auth_token_ref=auth_token_ref,
                provider_handles_opt_out=provider_handles_opt_out,
                help_text=help_reply,
                poll_interval_seconds=interval,
            )
        except channels.ChannelExists as exc:
            raise SetupRefused(_sentence(str(exc))) from None
        if dlt_entity_id or dlt_sender_id or dlt_telemarketer_id:
            broadcast_store.configure_sending(
                s,
                channel.id,
                dlt_entity_id=check_dlt_id(dlt_entity_id),
                dlt_sender_id=check_dlt_id(dlt_sender_id),
                dlt_telemarketer_id=check_dlt_id(dlt_telemarketer_id),
            )
        audit.record(s, actor, "channel_add", f"channel:{channel.id}", name=channel.name)
        if store_token is not None:
            store_token()
    log.info("channel %s added for %s", channel.name, phone.mask(e164))
    if events is not None:
        events.publish(ChannelHealthChanged(channel.id, True, "added"))
    return channel


def set_poll_interval(db: Database, channel_id: int, seconds: float) -> Channel:
    """Store how often a channel is polled (the runner picks the shortest one when it starts)."""
    interval = check_poll_interval(seconds)
    with db.write() as s:
        channel = channels.set_poll_interval(s, channel_id, interval)
    if channel is None:
        raise SetupRefused(f"There is no channel {channel_id}")
    return channel


def set_help_text(db: Database, channel_id: int, text: str) -> Channel:
    """Store a channel's reply to HELP/INFO (empty: the default one); SetupRefused if too long."""
    reply = check_help_text(text)
    with db.write() as s:
        channel = channels.set_help_text(s, channel_id, reply)
    if channel is None:
        raise SetupRefused(f"There is no channel {channel_id}")
    return channel


KEEP: object = object()  # edit_channel: leave this setting as it is


@dataclass(frozen=True, slots=True)
class Removal:
    """What removing a channel did, for the sentence the person reads."""

    channel: Channel
    conversations: int  # kept, readable, no longer answered from this channel
    failed_queued: int  # queued replies that will now never be sent


REMOVED_REASON = "Not sent: channel {name} was removed before this was sent"


def _credentials_ref(ref: str) -> str:
    if not (ref == "keyring" or ref.startswith("env:")):
        raise SetupRefused("The token must live in the keyring or an environment variable")
    if len(ref) > (max_length(ChannelRow.auth_token_ref) or len(ref)):
        raise SetupRefused("The environment variable name is too long")
    return ref


def find_channel(db: Database, ref: str) -> Channel:
    """A channel by name (or number id), active or removed; SetupRefused when there is none."""
    with db.read() as s:
        found = channels.by_name(s, ref)
        if found is None and ref.isascii() and ref.isdigit():
            found = channels.get(s, int(ref))
    if found is None:
        raise SetupRefused(f"There is no channel named {ref!r} (see `inbox channel list`)")
    return found


def edit_channel(
    db: Database,
    channel_id: int,
    *,
    name: str | None = None,
    number: str | None = None,
    account_sid: str | None = None,
    base_url: object = KEEP,
    auth_token_ref: str | None = None,
    provider_handles_opt_out: bool | None = None,
    help_text: str | None = None,
    poll_interval_seconds: float | None = None,
    store_token: Callable[[], None] | None = None,
    events: EventBus | None = None,
    actor: str = "admin",
) -> Channel:
    """Change what a person may fix about a channel; None leaves a setting as it is (`base_url`
    takes None or "" for Twilio's own API). Every value is checked as `add_channel` checks it,
    and nothing is written when one is refused. `store_token` (a new keyring token) runs inside
    the transaction, once the row is accepted. One audit entry names the settings changed
    (never their values: a token reference or number is not for the trail)."""
    with db.read() as s:
        current = channels.get(s, channel_id)
    if current is None:
        raise SetupRefused(f"There is no channel {channel_id}")
    if not current.active:
        raise SetupRefused(f"Channel {current.name} was removed; add a new channel instead")
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = check_name(name)
    url = current.base_url if base_url is KEEP else check_base_url(base_url)  # type: ignore[arg-type]
    if base_url is not KEEP:
        changes["base_url"] = url
    if account_sid is not None:
        changes["account_sid"] = check_account_sid(account_sid, strict=url is None)
    if number is not None:
        changes["number"] = check_number(number)
    if auth_token_ref is not None:
        changes["auth_token_ref"] = _credentials_ref(auth_token_ref)
    if provider_handles_opt_out is not None:
        changes["provider_handles_opt_out"] = provider_handles_opt_out
    if help_text is not None:
        changes["help_text"] = check_help_text(help_text)
    if poll_interval_seconds is not None:
        changes["poll_interval_seconds"] = check_poll_interval(poll_interval_seconds)
    changed = sorted(k for k, v in changes.items() if getattr(current, k) != v)
    if not changed and store_token is None:
        return current
    with db.write() as s:
        try:
            channel = channels.edit(s, channel_id, **{k: changes[k] for k in changed})
        except channels.ChannelExists as exc:
            raise SetupRefused(_sentence(str(exc))) from None
        except channels.ChannelRemoved as exc:
            raise SetupRefused(_sentence(str(exc))) from None
        assert channel is not None
        if store_token is not None:
            store_token()
            changed = sorted({*changed, "auth_token"})
        audit.record(s, actor, "channel_edit", f"channel:{channel.id}", name=channel.name, changed=changed)
    log.info("channel %s edited (%s)", channel.name, ", ".join(changed))
    if events is not None:
        if {"auth_token", "auth_token_ref", "account_sid", "base_url", "number"} & set(changed):
            events.publish(ChannelCredentialsChanged(channel.id))
        events.publish(ChannelHealthChanged(channel.id, True, "edited"))
    return channel


def removal_preview(db: Database, channel_id: int) -> Removal:
    """What `remove_channel` would do, for the confirmation ("12 conversations are kept ...")."""
    with db.read() as s:
        channel = channels.get(s, channel_id)
        if channel is None:
            raise SetupRefused(f"There is no channel {channel_id}")
        return Removal(channel, conversations.count_for_channel(s, channel_id), messages.count_queued(s, channel_id))


def remove_channel(db: Database, channel_id: int, *, events: EventBus | None = None, actor: str = "admin") -> Removal:
    """Remove a channel and keep its history: it is no longer polled nor sent from; its
    conversations and messages stay readable (and searchable, and in exports) under its name.
    Replies still queued for it are failed with `REMOVED_REASON` in the same transaction, so
    nothing queued goes out afterwards; a send already in flight finishes as its request does.
    Its token stays where it is (keyring or variable): another channel may share the account."""
    with db.write() as s:
        current = channels.get(s, channel_id)
        if current is None:
            raise SetupRefused(f"There is no channel {channel_id}")
        if not current.active:
            raise SetupRefused(f"Channel {current.name} was already removed")
        convs = conversations.count_for_channel(s, channel_id)
        failed = messages.fail_queued(s, channel_id, REMOVED_REASON.format(name=current.name))
        channel = channels.remove(s, channel_id)
        assert channel is not None
        subject = f"channel:{channel_id}"
        audit.record(s, actor, "channel_remove", subject, name=current.name, conversations=convs, failed=failed)
    log.info("channel %s removed: %d conversation(s) kept, %d queued message(s) failed", channel.name, convs, failed)
    if events is not None:
        events.publish(ChannelHealthChanged(channel_id, False, "removed"))
    return Removal(channel, int(convs), failed)


def test_channel(channel: Channel, token: str | None = None) -> str:
    """`check_connection` for a saved channel with its own token (or `token`, typed to try before
    saving it). ConnectionFailed says what is wrong; MissingCredentials when the token is not
    where the channel says it is."""
    return check_connection(
        channel.account_sid,
        token if token is not None else credentials.resolve(channel.auth_token_ref, channel.account_sid),
        channel.number,
        channel.base_url,
    )


# -- keyword rules (read-only view) --------------------------------------------------------------
def automation_order() -> list[tuple[str, str]]:
    """(name, settings-page label) of the chain every inbound message walks, first to last."""
    return [(step.name, step.label) for step in automation.STEPS]


def keyword_rules(db: Database) -> list[RuleLine]:
    """Custom keyword rules in the order they are evaluated (priority, then name)."""
    with db.read() as s:
        stored = stored_rules.all_rules(s)
    lines = []
    for i, spec in enumerate(core_rules.ordered(r.spec for r in stored), start=1):
        action = spec.action.kind.value
        detail = spec.action.reply or spec.action.list_name or spec.action.tag or spec.action.assignee
        lines.append(
            RuleLine(
                order=i,
                name=spec.name,
                keywords=", ".join(spec.keywords),
                mode=spec.mode.value.replace("_", " "),
                action=f"{action}: {detail}" if detail else action,
                scope="all channels" if spec.channel_id is None else f"channel {spec.channel_id}",
                enabled=spec.enabled,
            )
        )
    return lines


# -- keyword rules (the editor's test box; changes go through engine/rulebook.py) -------------
@dataclass(frozen=True, slots=True)
class RuleTrial:
    """What the read-only planner says one message would do (the editor's "Test" box)."""

    step: str  # compliance, skipped, rules, fallback
    rule: str | None
    version: int | None
    author: str | None
    reply: str | None
    reason: str
    effects: tuple[str, ...]
    lookup_url: str | None
    encoding: str = ""
    segments: int = 0
    warning: str | None = None


def try_message(
    db: Database, text: str, *, channel_id: int | None = None, from_number: str = "", at: datetime | None = None
) -> RuleTrial:
    """Which step or rule would answer ``text``, and with what, without writing or sending anything
    (the planner `inbox keywords test` uses). A known ``from_number`` brings its lists and opt-outs."""
    from inbox.engine import rules as engine_rules
    from inbox.store import contacts

    with db.read() as s:
        active = channels.all_active(s)
        channel = next((c for c in active if c.id == channel_id), active[0] if active else None)
        if channel is None:
            raise SetupRefused("Add a channel first: rules are tested as if a text arrived on one")
        number = phone.normalize(from_number) if from_number.strip() else "+15550000000"
        contact = contacts.by_phone(s, number) if from_number.strip() else None
        conv_id = conversations.find(s, contact.id, channel.id) if contact else None
        subject = engine_rules.Subject(
            channel,
            number,
            text,
            at or datetime.now(UTC),
            contact.id if contact else None,
            conv_id,
            contact.display_name if contact else None,
        )
        plan = engine_rules.plan(s, subject)
    reply = plan.reply
    if plan.lookup_url and plan.rule:
        act = plan.rule.spec.action
        fallback = core_rules.render(act.fallback, plan.lookup_variables)
        reply = f"{act.reply}  (after the lookup; on error: {fallback})"
    trial = RuleTrial(
        plan.step,
        plan.rule.spec.name if plan.rule else None,
        plan.rule.version if plan.rule else None,
        plan.author,
        reply,
        plan.reason,
        tuple(plan.effects),
        plan.lookup_url,
    )
    if reply:
        pv = core_rules.preview(reply)
        trial = replace(trial, encoding=pv.encoding, segments=pv.segments, warning=pv.warning)
    return trial
