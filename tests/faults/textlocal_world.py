"""A Textlocal channel on the simulator's textlocal dialect, for the engine's tests of that provider."""

from __future__ import annotations

from inbox.core.models import Channel
from inbox.store import channels

KEY_ENV = "INBOX_FAULTS_TEXTLOCAL_KEY"
KEY = "textlocal-api-key-for-tests"
OURS = "+919000000001"
INBOX = "100001"  # the simulator's inbox of its first number
CUSTOMER = "+919876543210"
HELP_TEXT = "Acme support: reply STOP to opt out."


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    with db.write() as s:
        return channels.add(
            s,
            name="textlocal",
            provider="textlocal",
            number=OURS,
            account_sid=INBOX,  # a Textlocal channel's account id is its inbox id
            base_url=url,
            auth_token_ref=f"env:{KEY_ENV}",
            provider_handles_opt_out=False,  # Textlocal does not answer STOP: Inbox does
            help_text=HELP_TEXT,
            poll_interval_seconds=poll_interval,
        )
