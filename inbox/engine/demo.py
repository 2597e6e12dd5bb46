"""A complete, disposable Inbox for `inbox demo`: a simulator on a free loopback port, a fresh SQLite
database in a temporary folder, sample history, and the engine running against them.

Closing it stops everything and deletes the folder: nothing keeps running, nothing is left behind.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from pathlib import Path

from inbox.core.events import EventBus
from inbox.core.models import Channel
from inbox.engine import credentials, setup
from inbox.engine.runner import Runner
from inbox.engine.sample import conversations, history
from inbox.engine.service import InboxService
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store.db import Database

DEMO_NUMBER = "+15550001111"
TOKEN_VAR = "INBOX_DEMO_AUTH_TOKEN"
HELP_TEXT = "Acme Support: help at acme.example/help or reply here. Reply STOP to opt out."

# Customers who text in while the demo runs, so something arrives without anyone typing.
LIVE_SCRIPT: tuple[tuple[float, str, str], ...] = (
    (4.0, "+15551230001", "Also, can I change the delivery to Saturday?"),
    (9.0, "+15559870011", "Hi! Is the store on Main St open on Sunday? 🛍️"),
    (15.0, "+15559870012", "HELP"),
)


# (the simulator's account, the channel's account id) where they are not Twilio's SID: Textlocal's
# channel names the inbox it reads, the Android gateway's the app's user.
DEMO_ACCOUNTS = {"textlocal": ("", "100001"), "android-gateway": ("sms", "sms")}


class DemoEnvironment:
    def __init__(
        self,
        *,
        agent: str = "demo-agent",
        poll_interval: float = 1.0,
        seed_history: bool = True,
        dialect: str = "twilio",
    ) -> None:
        """`dialect` picks the provider the simulator plays (and the channel's adapter): "twilio",
        "infobip" (consume-once inbound through the journal; Inbox answers STOP), "sinch" (a list
        with a cursor) or "clicksend" (unread until marked read after the commit); Inbox answers
        STOP on the last three."""
        self.folder = Path(tempfile.mkdtemp(prefix="inbox-demo-"))
        self.db = Database(f"sqlite:///{self.folder / 'demo.sqlite3'}")
        self.db.upgrade()
        token = secrets.token_hex(16)
        provider_answers_stop = setup.provider_answers_stop(dialect)
        sim_account, channel_account = DEMO_ACCOUNTS.get(dialect, ("", ""))
        self.config = SimulatorConfig(
            # Twilio's account SID, Sinch's service plan id, ClickSend's username, the phone's user;
            # Infobip and Textlocal name none.
            account_sid={
                "twilio": "AC" + secrets.token_hex(16),
                "sinch": secrets.token_hex(16),
                "clicksend": "demo",
            }.get(dialect, sim_account),
            auth_token=token,
            numbers=(DEMO_NUMBER,),
            delivery_delay=1.0,
            dialect=dialect,
            opt_out_handling=provider_answers_stop,
        )
        self.simulator = SimulatorServer(self.config, host="127.0.0.1", port=0).start()
        self.phone = SimulatorClient(self.simulator.url)
        # Held by this process only: os.environ would hand the token to every child process.
        credentials.keep_in_process(TOKEN_VAR, token)
        self.events = EventBus()
        # The same door as the wizard and `inbox channel add`: validated, audited, announced.
        self.channel: Channel = setup.add_channel(
            self.db,
            name="demo",
            account_sid=self.config.account_sid if dialect == "twilio" else channel_account,
            number=DEMO_NUMBER,
            auth_token_ref=f"env:{TOKEN_VAR}",
            base_url=self.simulator.url,
            provider=dialect,
            provider_handles_opt_out=provider_answers_stop,
            poll_interval_seconds=poll_interval,
            help_text=HELP_TEXT,
            events=self.events,
        )
        if seed_history:
            history.write(self.db, self.channel, conversations.DEMO, agent=agent)
        self.runner = Runner(self.db, events=self.events, poll_interval=poll_interval, send_interval=0.5)
        self.service = InboxService(self.db, self.events, agent=agent, on_queued=self.runner.wake)
        self._stop = threading.Event()
        self._script: threading.Thread | None = None
        self._started = False

    def start(self, *, live_customers: bool = True) -> DemoEnvironment:
        self._started = True
        self.runner.start()
        if live_customers:
            self._script = threading.Thread(target=self._play_script, name="demo-customers", daemon=True)
            self._script.start()
        return self

    def _play_script(self) -> None:
        waited = 0.0
        for at, number, body in LIVE_SCRIPT:
            if self._stop.wait(at - waited):
                return
            waited = at
            try:
                self.phone.text(number, DEMO_NUMBER, body)
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        if self._script is not None:
            self._script.join(timeout=2)
        self.runner.shutdown()
        self.simulator.stop()
        self.db.dispose()
        credentials.forget_in_process(TOKEN_VAR)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> DemoEnvironment:
        # `with DemoEnvironment().start(live_customers=False)` keeps what start was told: a second
        # start would run a second scheduler that close never stops, and play the live customers.
        return self if self._started else self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
