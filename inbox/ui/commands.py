"""Desktop commands mounted into the `inbox` command line by the launcher."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.engine.service import InboxService


def run_demo(args: argparse.Namespace) -> int:
    """The app on a fresh SQLite database with the built-in simulator and a customer phone window."""
    from inbox.engine.demo import DEMO_NUMBER, DemoEnvironment
    from inbox.ui.display import refuse_without_display

    if (refused := refuse_without_display()) is not None:  # before Qt, which would abort the process
        return refused

    # Everything that touches the database or the network starts before Qt, off the GUI's watch.
    env = DemoEnvironment(
        agent=getattr(args, "agent", None) or "demo-agent", dialect=getattr(args, "dialect", None) or "twilio"
    ).start()
    try:
        from PySide6.QtCore import QSettings

        # Window layout, theme, canned replies…: the demo's own, in its temporary folder, so trying
        # the demo never rewrites the real app's settings file (and goes with the folder).
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(env.folder / "settings"))
        from inbox.engine.live import newest_change
        from inbox.ui.app import run_app
        from inbox.ui.application import ensure_app
        from inbox.ui.demo_phone import DemoPhoneWindow, demo_people
        from inbox.ui.live import LiveUpdates

        since = newest_change(env.db)  # before the first loads: nothing committed after is missed

        app = ensure_app()
        from inbox.ui import smoke

        smoke.arm_from_env(app)  # hidden self-check for packaged builds (INBOX_SMOKE_TEST=1)
        from inbox.engine.sample import conversations

        phone = DemoPhoneWindow(env.phone, DEMO_NUMBER, people=demo_people(conversations.DEMO))

        def on_close() -> None:
            phone.close()
            app.quit()

        from inbox.engine.verification import Verifier

        return run_app(
            env.service,
            title="Inbox · demo",
            on_close=on_close,
            extra_windows=[phone],
            verifier=Verifier(env.db, env.events),
            live=LiveUpdates(env.service, since=since),
        )
    finally:
        env.close()


def run_gui(args: argparse.Namespace) -> int:
    """The app on the configured database, with the engine polling and sending in the background.

    First run (no channel in the database): a short wizard connects a Twilio number — or opens the
    demo instead, exactly as `inbox demo` does.
    """
    from inbox.core.events import EventBus
    from inbox.engine.leadership import Leadership
    from inbox.engine.runner import Runner
    from inbox.engine.service import InboxService
    from inbox.engine.setup import database_url, has_channel, open_database
    from inbox.engine.verification import Verifier
    from inbox.ui import single_instance, smoke
    from inbox.ui.application import ensure_app
    from inbox.ui.display import refuse_without_display

    if (refused := refuse_without_display()) is not None:  # before Qt, which would abort the process
        return refused
    smoke.arm_from_env(ensure_app())  # hidden self-check for packaged builds (INBOX_SMOKE_TEST=1)
    instance = single_instance.claim(database_url(args.db))  # held until the window closes
    if instance is None:  # already open on this database: that window came to the front
        return 0
    db = open_database(args.db)
    events = EventBus()
    try:
        if not has_channel(db):  # before Qt runs: nothing here is on the GUI's watch yet
            choice = _first_run(InboxService(db, events, agent=_agent_name(args, None)))
            if choice == "demo":
                db.dispose()
                return run_demo(args)
            if choice is None:
                return 0
        from inbox.reports import team
        from inbox.ui import settings
        from inbox.ui.app import run_app

        member = team.whoami(db)  # on a team database the agent is the login, whatever Settings say
        claimed = getattr(args, "claimed_identity", None)
        if member is not None and claimed and claimed != member.name:
            from inbox.core.identity import impersonation

            print(f"inbox: {impersonation(member.name, claimed)}", file=sys.stderr)
            return 2
        agent = member.name if member is not None else _agent_name(args, settings.agent_name())
        # Desktops share the lease with daemons: one process polls and sends per database.
        runner = Runner(db, events=events, leadership=Leadership(db))
        runner.start()
        try:
            from inbox.engine.live import newest_change
            from inbox.ui.live import LiveUpdates

            service = InboxService(db, events, agent=agent, on_queued=runner.wake)
            since = newest_change(db)  # before the first loads: nothing committed after is missed
            live = LiveUpdates(service, since=since)
            return run_app(service, title="Inbox", verifier=Verifier(db, events), live=live)
        finally:
            runner.shutdown()
    finally:
        db.dispose()


def _agent_name(args: argparse.Namespace, saved: str | None) -> str:
    """--agent when given explicitly, else the name saved in Settings, else the command line's default."""
    import os

    given = getattr(args, "agent", None)
    default = os.environ.get("INBOX_AGENT") or os.environ.get("USER") or "agent"
    if given and (given != default or not saved):
        return given
    return saved or given or "agent"


def _first_run(service: InboxService) -> str | None:
    """Show the setup wizard; returns "channel", "demo" or None (closed)."""
    from inbox.ui import theme
    from inbox.ui.application import ensure_app
    from inbox.ui.setup.wizard import for_service

    app = ensure_app()
    theme.apply_theme(app)
    wizard = for_service(service)
    wizard.exec()
    return wizard.choice


def export_pdf(args: argparse.Namespace) -> int:
    """The PDF half of `inbox export`: inbox.cli.reports takes this entry and calls it for --format pdf."""
    from inbox.ui.reports_pdf import export_command

    return export_command(args)


COMMANDS = {
    "demo": ("the desktop app on the built-in simulator with sample conversations", run_demo),
    "app": ("open the desktop inbox on your database", run_gui),
    "export": ("a thread's transcript as PDF (used by `inbox export --format pdf`)", export_pdf),
}
