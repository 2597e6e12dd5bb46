"""A channel as typed into the set-up form, turned into the engine's own calls.

Why a module of its own: the desktop's connect form (any provider, see ``core/provider_forms``)
must test and save through the same doors as ``inbox channel add --provider NAME`` —
``setup.check_connection`` and ``setup.add_channel`` — with the provider's account id worked out
the same way (Infobip: the base URL's host; Sinch: the region's address). Both functions block
(HTTP, database): the UI runs them on its worker.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from inbox.core import provider_forms
from inbox.core.events import EventBus
from inbox.core.models import Channel
from inbox.engine import setup
from inbox.store.db import Database


@dataclass(frozen=True, slots=True)
class ChannelDraft:
    """What the person typed, as plain values a worker can use. ``handles_stop`` None: the
    provider's default (``setup.provider_answers_stop``)."""

    name: str
    account_sid: str
    token: str = ""  # never printed: see __repr__
    number: str = ""
    base_url: str = ""
    store: str = "keyring"  # "keyring", "session" or "env"
    env_var: str = ""
    handles_stop: bool | None = None
    provider: str = "twilio"
    region: str = ""
    dlt_entity_id: str = ""
    dlt_sender: str = ""

    def __repr__(self) -> str:  # never print the token
        return f"ChannelDraft(provider={self.provider!r}, name={self.name!r}, store={self.store!r})"

    def values(self) -> dict[str, str]:
        """The draft by ``provider_forms`` field key (what ``ProviderForm.missing`` checks)."""
        return {
            "account": self.account_sid,
            "secret": self.token,
            "number": self.number,
            "base_url": self.base_url,
            "region": self.region,
            "dlt_entity_id": self.dlt_entity_id,
            "dlt_sender": self.dlt_sender,
            "store": self.store,
        }


def base_url_of(draft: ChannelDraft) -> str | None:
    """The address the channel talks to: the typed base URL, else the chosen region's (Sinch, as
    `--region` does), else the provider's default (None)."""
    if draft.base_url.strip():
        return draft.base_url.strip()
    if draft.region and draft.provider == "sinch":
        from inbox.providers.sinch import base_url_for

        try:
            return base_url_for(draft.region)
        except ValueError as exc:
            raise setup.SetupRefused(str(exc)) from None
    return None


def account_of(draft: ChannelDraft) -> str:
    """The account id the channel (and its secret in the keyring) is stored under."""
    return setup.account_for(draft.provider, draft.account_sid, base_url_of(draft))


def _refuse_missing(draft: ChannelDraft) -> provider_forms.ProviderForm:
    try:
        form = provider_forms.form_for(draft.provider)
    except KeyError:
        raise setup.SetupRefused(
            f"Inbox cannot set up {draft.provider!r} channels here: use inbox channel add"
        ) from None
    problem = form.missing(draft.values())
    if problem:
        raise setup.SetupRefused(problem)
    return form


def _session_var(draft: ChannelDraft, account: str) -> str:
    """Where a "this session only" secret is held. Twilio keeps its historical name (the SID's
    tail); other accounts (an Infobip host, a ClickSend e-mail) get a digest, so two accounts
    never share one and the name stays a valid variable name."""
    if draft.env_var:
        return draft.env_var
    if draft.provider == "twilio":
        return ""  # setup.token_ref's own default
    digest = hashlib.sha256(f"{draft.provider}:{account}".encode()).hexdigest()[:10].upper()
    return f"{setup.SESSION_VAR_PREFIX}{re.sub(r'[^A-Z0-9]', '_', draft.provider.upper())}_{digest}"


def check(draft: ChannelDraft) -> str:
    """The provider's own connection test (``setup.check_connection``, as `--test-connection`);
    a secret kept in an environment variable is read from it. Returns the sentence to show."""
    form = _refuse_missing(draft)
    token = draft.token or (os.environ.get(draft.env_var, "") if draft.env_var else "")
    if not token:
        raise setup.ConnectionFailed(f"Environment variable {draft.env_var} is not set")
    url = base_url_of(draft)
    wanted = form.field("account")
    if wanted is not None and not wanted.required and not draft.account_sid.strip():
        account = ""  # the test itself says what to enter (Textlocal lists the inboxes)
    else:
        account = account_of(draft)
    return setup.check_connection(account, token, draft.number, url, draft.provider)


def create(db: Database, draft: ChannelDraft, events: EventBus | None = None, *, check_first: bool = False) -> Channel:
    """Insert the channel through ``setup.add_channel`` (the door `inbox channel add` uses) and
    keep the secret where the person chose — only once the row is accepted, so a refused channel
    never replaces the secret an existing one uses. ``check_first``: run `check` before anything
    is written (skipped for a variable not set yet: there is nothing to test with)."""
    form = _refuse_missing(draft)
    wanted = form.field("account")
    if wanted is not None and not draft.account_sid.strip():  # optional for the test, not for the channel
        raise setup.SetupRefused(wanted.missing or f"Enter the {wanted.label.lower()}")
    url = base_url_of(draft)
    account = account_of(draft)
    if check_first and (draft.token or draft.store != "env"):
        check(draft)
    var = _session_var(draft, account) if draft.store != "env" else draft.env_var
    ref = setup.token_ref(account, draft.store, var)
    handles = setup.provider_answers_stop(draft.provider) if draft.handles_stop is None else draft.handles_stop
    return setup.add_channel(
        db,
        name=draft.name or "main",
        provider=draft.provider,
        account_sid=account,
        number=draft.number,
        auth_token_ref=ref,
        base_url=url,
        provider_handles_opt_out=handles,
        dlt_entity_id=draft.dlt_entity_id or None,
        dlt_sender_id=draft.dlt_sender or None,
        events=events,
        store_token=lambda: setup.remember_token(account, draft.token, draft.store, var),
    )
