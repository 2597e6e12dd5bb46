"""Render the window offscreen to PNG, to look at it (light/dark, two sizes, empty state).

Usage: ``uv run python -m inbox.ui.screenshots OUTDIR`` (offscreen by default). Produces, light and
dark: the main window at 1440×900 and 1024×700 (1,000 conversations, list, long thread, RTL, opted
out, the provider's own replies, a flagged possible opt-out, a failed message after Retry, shortcuts
overlay), empty and verified states, the demo's customer phone over a real short-lived simulator (chat,
opted out, empty), the first-run wizard (welcome, connect, Advanced open with and without an error
line) and the Settings dialog.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize
from PySide6.QtWidgets import QWidget

from inbox.ui import ops, theme
from inbox.ui.application import ensure_app

SIZES = ((1440, 900), (1024, 700))


def settle(timeout: float = 3.0) -> None:
    """Process events until every op has delivered (or ``timeout`` seconds passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if ops.pending() == 0:
            QCoreApplication.processEvents()
            if ops.pending() == 0:
                break
        time.sleep(0.01)


def render(window_or_widget: QWidget, path: str | os.PathLike[str]) -> Path:
    """Grab a widget (shown offscreen) into a PNG at 2× for crisp text."""
    w = window_or_widget
    if not w.isVisible():
        w.show()
    settle()
    pm = w.grab()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    pm.save(str(out))
    return out


def shoot(outdir: Path) -> list[Path]:
    from inbox.engine.sample.temporary import crowded_inbox, empty_inbox, preview_inbox
    from inbox.ui.main_window import MainWindow
    from inbox.ui.settings import app_settings

    app = ensure_app()
    made: list[Path] = []
    crowded = crowded_inbox(1000)  # UX.md "Check it": the list with 1,000 conversations
    for dark in (False, True):
        theme.apply_theme(app, dark=dark)
        scheme = "dark" if dark else "light"
        for w, h in SIZES:
            s = app_settings()
            s.clear()
            win = MainWindow(crowded.service(), qsettings=s)
            win.resize(QSize(w, h))
            win.list_pane.set_view("all")
            win.show()
            settle()
            win.list_pane.step(0)
            settle()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-1000.png"))
            win.close()
            settle()
            s = app_settings()
            s.clear()
            inbox = preview_inbox()
            svc = inbox.service()
            win = MainWindow(svc, qsettings=s)
            win.resize(QSize(w, h))
            win.list_pane.set_view("all")
            win.show()
            settle()
            win.list_pane.step(0)
            settle()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}.png"))
            win.list_pane.select_id(_find(svc, "Bartholomew"))
            settle()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-long.png"))
            win.list_pane.select_id(_find(svc, "ليلى"))
            settle()
            win.thread_pane.composer.set_text("شكراً لك، سنرسل لك موعد التسليم الجديد اليوم")  # Unicode, said neutrally
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-rtl.png"))
            win.thread_pane.composer.set_text("")
            win.list_pane.select_id(_find(svc, "Greg"))
            settle()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-optout.png"))
            made += _issue15_states(inbox, win, outdir / f"inbox-{scheme}-{w}x{h}")
            win.toggle_help()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-shortcuts.png"))
            win.toggle_help()
            win.resolve()  # last: it changes the sample inbox
            settle()
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-undo.png"))
            win.close()
            settle()
            inbox.close()
        inbox = empty_inbox()
        win = MainWindow(inbox.service(), qsettings=app_settings())
        win.resize(1024, 700)
        made.append(render(win, outdir / f"inbox-{scheme}-empty.png"))
        win.close()
        settle()
        inbox.close()
        inbox = preview_inbox()
        svc = inbox.service()
        s = app_settings()
        s.clear()
        win = MainWindow(svc, qsettings=s, verifier=_PreviewVerifier())  # type: ignore[arg-type]
        win.resize(1440, 900)
        win.list_pane.set_view("all")
        win.show()
        settle()
        win.list_pane.select_id(_find(svc, "Tom"))
        settle()
        made.append(render(win, outdir / f"inbox-{scheme}-verified.png"))
        # an agent who sees only their own conversations, while no team daemon runs
        for w, h in SIZES:
            win.resize(QSize(w, h))
            win.status.set_background_work("Background work: waiting for the team daemon")
            made.append(render(win, outdir / f"inbox-{scheme}-{w}x{h}-waiting-daemon.png"))
        win.status.set_background_work(None)
        from inbox.ui.thread.snooze_dialog import SnoozeDialog

        snooze = SnoozeDialog(win)
        made.append(render(snooze, outdir / f"snooze-{scheme}-custom.png"))
        snooze.close()
        win.close()
        settle()
        inbox.close()
    crowded.close()
    made += shoot_phone(outdir)
    made += shoot_setup(outdir)
    made += shoot_supervisor(outdir)
    made += shoot_engagement(outdir)
    return made


def shoot_phone(outdir: Path) -> list[Path]:
    """The demo's customer phone over a real, short-lived simulator: a chat, and an opted-out phone."""
    import secrets

    from inbox.core.models import OutboundRequest
    from inbox.engine.sample import conversations
    from inbox.providers.twilio import TwilioProvider
    from inbox.simulator.client import SimulatorClient
    from inbox.simulator.server import SimulatorConfig, SimulatorServer
    from inbox.ui.demo_phone import DemoPhoneWindow, demo_people

    business, customer, quitter = "+15550001111", "+15557654321", "+15551230001"
    config = SimulatorConfig(
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        numbers=(business,),
        delivery_delay=0.05,
    )
    made: list[Path] = []
    with SimulatorServer(config, host="127.0.0.1", port=0) as server:
        client = SimulatorClient(server.url)
        provider = TwilioProvider(config.account_sid, config.auth_token, business, base_url=server.url)
        try:
            client.text(customer, business, "Hi! My order #4411 hasn't arrived yet 📦")
            time.sleep(1.1)  # one-second dates: keep the conversation in order
            provider.send(
                OutboundRequest(
                    customer,
                    business,
                    "Sorry about that! It left our warehouse this morning — you'll have it by Thursday.",
                )
            )
            time.sleep(1.1)
            client.text(customer, business, "Great, thank you 🙏")
            client.text(quitter, business, "STOP")
        finally:
            provider.close()
        time.sleep(0.3)
        app = ensure_app()
        for dark in (False, True):
            theme.apply_theme(app, dark=dark)
            scheme = "dark" if dark else "light"
            phone = DemoPhoneWindow(client, business, refresh_ms=0, people=demo_people(conversations.DEMO))
            made.append(render(phone, outdir / f"phone-{scheme}.png"))
            phone.who.setCurrentText(quitter)
            settle()
            made.append(render(phone, outdir / f"phone-{scheme}-opted-out.png"))
            phone.who.setCurrentText("+15550009999")
            settle()
            made.append(render(phone, outdir / f"phone-{scheme}-empty.png"))
            phone.close()
    return made


def shoot_supervisor(outdir: Path) -> list[Path]:
    """The Supervisor view (overview, review queue, export, refusal) on 30 days of generated history."""
    from inbox.ui.supervisor import preview

    return preview.shoot(outdir, render, settle)


def shoot_engagement(outdir: Path) -> list[Path]:
    """The Engagement window (polls, broadcasts, contests, surveys, CSAT) on engine-made data."""
    from inbox.ui.engagement import preview

    return preview.shoot(outdir, render, settle)


def shoot_setup(outdir: Path) -> list[Path]:
    """The first-run wizard (both pages) and the Settings dialog, light and dark."""
    import tempfile

    from inbox.engine import setup
    from inbox.engine.sample import rules
    from inbox.engine.sample.temporary import TemporaryInbox
    from inbox.ui.settings import app_settings
    from inbox.ui.settings_dialog import SettingsDialog
    from inbox.ui.setup.wizard import SetupWizard

    app = ensure_app()
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="inbox-shots-") as folder:
        inbox = TemporaryInbox(Path(folder))  # the screenshot process blocks freely
        db = inbox.db
        setup.add_channel(
            db,
            name="main",
            account_sid="AC" + "0" * 32,
            number="+15550001111",
            auth_token_ref="keyring",
            poll_interval_seconds=5,
        )
        uk = setup.add_channel(
            db,
            name="support-uk",
            account_sid="AC" + "1" * 32,
            number="+447700900100",
            auth_token_ref="env:UK_TOKEN",
            provider_handles_opt_out=False,
            poll_interval_seconds=10,
        )
        rules.seed_first(db)
        service = inbox.service("Dana")
        for dark in (False, True):
            theme.apply_theme(app, dark=dark)
            scheme = "dark" if dark else "light"
            wizard = SetupWizard(lambda d: None, lambda d: "", keyring_ok=False)  # type: ignore[arg-type,return-value]
            made.append(render(wizard, outdir / f"wizard-{scheme}-welcome.png"))
            wizard.show_connect()
            wizard.form.sid.setText("AC3f9a27c1d04b8e6a5f1c2d3e4b5a6978")
            wizard.form.token.setText("••••••••••••••••")
            wizard.form.number.setText("+1 555 000 1111")
            wizard.form.show_result(
                "✓ Connected to api.twilio.com — the account answered and owns +1 555-000-1111", "success"
            )
            made.append(render(wizard, outdir / f"wizard-{scheme}-connect.png"))
            wizard.close()
            made += _wizard_advanced(outdir, scheme)
            made += _wizard_providers(outdir, scheme)
            from inbox.ui.setup.token_prompt import TokenPrompt

            prompt = TokenPrompt(uk, lambda _c, _t: "")
            prompt.token.setText("not-the-token")
            prompt._show("Twilio rejected the credentials — check the account SID and auth token", "danger")
            made.append(render(prompt, outdir / f"token-prompt-{scheme}.png"))
            prompt.close()
            dialog = SettingsDialog(service, app_settings(), add_channel=lambda _p: None)
            made.append(render(dialog, outdir / f"settings-{scheme}-general.png"))
            for page, name in ((2, "channels"), (4, "rules"), (3, "canned")):
                dialog.nav.setCurrentRow(page)
                made.append(render(dialog, outdir / f"settings-{scheme}-{name}.png"))
            made += _shoot_channel_editing(dialog, service, uk, outdir, scheme)
            from inbox.ui.rules_editor import preview as rules_preview

            made += rules_preview.shoot(dialog, outdir, scheme, render, settle)
            dialog.close()
        inbox.close()
    return made


def _wizard_advanced(outdir: Path, scheme: str) -> list[Path]:
    """The connect page with Advanced open (no keyring, as on a server), without and with an error
    line; and on a 1024×700 screen, where the dialog may grow no taller than the screen."""
    from inbox.ui.setup.wizard import SetupWizard

    made: list[Path] = []
    for screen_h in (900, 700):
        wizard = SetupWizard(lambda d: None, lambda d: "", keyring_ok=False)  # type: ignore[arg-type,return-value]
        wizard.show_connect()
        wizard.max_height = screen_h - 80  # title bar and panels
        wizard.form.sid.setText("AC3f9a27c1d04b8e6a5f1c2d3e4b5a6978")
        wizard.form.number.setText("12345")
        wizard.form.advanced_button.setChecked(True)
        suffix = "" if screen_h == 900 else "-1024x700"
        made.append(render(wizard, outdir / f"wizard-{scheme}-advanced{suffix}.png"))
        wizard.form.show_result(
            "Not a phone number: 12345 — enter it with its country code, e.g. +1 555 000 1111", "danger"
        )
        made.append(render(wizard, outdir / f"wizard-{scheme}-advanced-error{suffix}.png"))
        wizard.close()
    return made


# What each provider's connect page shows filled in (made-up values in the provider's own shapes).
_PROVIDER_SAMPLES = {
    "twilio": {"account": "AC3f9a27c1d04b8e6a5f1c2d3e4b5a6978", "number": "+1 555 000 1111"},
    "infobip": {
        "base_url": "https://y3k9qz.api.infobip.com",
        "number": "+91 90000 00001",
        "dlt_sender": "ACMEIN",
        "dlt_entity_id": "1201159100000000001",
    },
    "sinch": {"account": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "number": "+1 555 000 1111", "region": "eu"},
    "clicksend": {"account": "support@acme.example", "number": "+61 411 111 111"},
    "textlocal": {"account": "188597", "number": "+91 90000 00001", "dlt_sender": "ACMEIN"},
    "android-gateway": {"base_url": "http://192.168.1.5:8080", "number": "+1 555 000 1111"},
}


def _wizard_providers(outdir: Path, scheme: str) -> list[Path]:
    """The connect page of each provider in the registry, filled in and tested, on a 1440×900 and
    a 1024×700 screen; the ClickSend one also with a wrong key's answer."""
    from inbox.core import provider_forms
    from inbox.providers.clicksend import AUTH_MESSAGE as clicksend_auth
    from inbox.ui.setup.wizard import SetupWizard

    made: list[Path] = []
    for spec in provider_forms.all_forms():
        sample = _PROVIDER_SAMPLES.get(spec.provider, {})
        for screen_h in (900, 700):
            wizard = SetupWizard(lambda d: None, lambda d: "", keyring_ok=False)  # type: ignore[arg-type,return-value]
            wizard.show_connect()
            wizard.max_height = screen_h - 80
            form = wizard.form
            form.set_provider(spec.provider)
            for key, value in sample.items():
                editor = form.editors[key]
                if key == "region":
                    editor.setCurrentIndex(editor.findData(value))  # type: ignore[attr-defined]
                else:
                    editor.setText(value)  # type: ignore[attr-defined]
            form.token.setText("••••••••••••••••")
            host = {
                "twilio": "api.twilio.com",
                "sinch": "eu.sms.api.sinch.com",
                "clicksend": "rest.clicksend.com",
                "textlocal": "api.textlocal.in",
            }.get(spec.provider, (sample.get("base_url") or "").split("://")[-1])
            said = f"Connected to {host} — the {spec.label} account answered"
            if spec.provider == "android-gateway":
                said = f"Connected to the phone at {host} — SMS Gateway for Android answered (user sms)"
            form.show_result("✓ " + said, "success")
            suffix = "" if screen_h == 900 else "-1024x700"
            made.append(render(wizard, outdir / f"wizard-{scheme}-connect-{spec.provider}{suffix}.png"))
            if spec.provider == "clicksend" and screen_h == 900:
                form.show_result(clicksend_auth, "danger")
                made.append(render(wizard, outdir / f"wizard-{scheme}-connect-{spec.provider}-error.png"))
            wizard.close()
    return made


def _issue15_states(inbox, win, stem: Path) -> list[Path]:
    """A thread with the provider's own STOP/START/HELP replies, a flagged possible opt-out (its
    "Opt out" beside "Clear flag") and a failed message after Retry (no second Retry)."""
    from inbox.engine.sample import conversations

    svc = win.service
    inbox.write([conversations.PROVIDER_REPLIES])
    made = []
    win.list_pane.model.reload()
    settle()
    win.list_pane.select_id(_find(svc, "Maya Chen"))
    settle()
    made.append(render(win, f"{stem}-provider-replies.png"))
    win.list_pane.select_id(_find(svc, "Priya"))
    settle()
    made.append(render(win, f"{stem}-flagged.png"))
    sofia = _find(svc, "Sofia")
    failed = next(m for m in svc.thread_page(sofia, None, 50) if m.status.value == "failed")
    svc.retry(failed.id)
    win.list_pane.select_id(sofia)
    settle()
    made.append(render(win, f"{stem}-retried.png"))
    return made


def _shoot_channel_editing(dialog, service, channel, outdir: Path, scheme: str) -> list[Path]:
    """Settings ▸ Channels ▸ Edit… (with a refused number) and Remove… (its confirmation)."""
    from inbox.engine import setup
    from inbox.ui.setup.channel_editor import ChannelEditor

    made = []
    editor = ChannelEditor(service, channel, dialog)
    editor.number.setText("+44 7700 900999")
    editor.token.setText("new-token")
    editor.show_result(
        "The account answered, but it does not own the number +44 7700 900999: check the number "
        "(Twilio console ▸ Phone Numbers ▸ Active numbers) or the account SID",
        "danger",
    )
    made.append(render(editor, outdir / f"settings-{scheme}-channel-edit.png"))
    editor.close()
    dialog.nav.setCurrentRow(2)
    dialog._confirm_removal(setup.Removal(channel, conversations=12, failed_queued=2))
    made.append(render(dialog.removal_box, outdir / f"settings-{scheme}-channel-remove.png"))
    dialog.removal_box.close()
    return made


class _PreviewVerifier:
    """Stands in for ``Verifier`` in the screenshots: every conversation reads as verified by code."""

    def conversation_status(self, conversation_id: int):
        from types import SimpleNamespace

        from inbox.core.verification import ChallengeStatus, VerificationStatus

        challenge = SimpleNamespace(status=ChallengeStatus.VERIFIED)
        return VerificationStatus("", challenge, "verified (2 min ago, by code)")  # type: ignore[arg-type]

    def start(self, **_kw: object) -> None:
        return None


def _find(svc, name: str) -> int:
    """The preview conversation whose contact's name starts with ``name`` (blocking: no event loop here)."""
    from inbox.engine.service import ConversationFilter

    for conv in svc.conversations_page(ConversationFilter(view="all"), 0, 100):
        if (conv.contact_name or "").startswith(name):
            return conv.id
    raise KeyError(name)


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    outdir = Path(argv[1] if len(argv) > 1 else "screenshots")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(outdir / ".settings"))
    for p in shoot(outdir):
        print(p)
    ops.shutdown()
    # Skip interpreter teardown: PySide's objects would be collected after QApplication is gone.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
