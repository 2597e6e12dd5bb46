"""An SMS Gateway for Android channel on the simulator's android-gateway dialect (the phone's
local server), for the engine's tests of that provider."""

from __future__ import annotations

from inbox.core.models import Channel
from inbox.store import channels

PASSWORD_ENV = "INBOX_FAULTS_PHONE_PASSWORD"
USER = "sms"
PASSWORD = "Xk3pQ9aZ"
OURS = "+919000000001"
CUSTOMER = "+919876543210"
HELP_TEXT = "Acme support: reply STOP to opt out."


def add_channel(db, url: str, poll_interval: float = 0.2) -> Channel:  # type: ignore[no-untyped-def]
    with db.write() as s:
        return channels.add(
            s,
            name="phone",
            provider="android-gateway",
            number=OURS,
            account_sid=USER,  # the app's user
            base_url=url,
            auth_token_ref=f"env:{PASSWORD_ENV}",
            provider_handles_opt_out=False,  # a SIM answers no STOP: Inbox does
            help_text=HELP_TEXT,
            poll_interval_seconds=poll_interval,
        )
