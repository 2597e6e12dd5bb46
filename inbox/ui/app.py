"""Entry point for the desktop app: ``run_app(service)``.

Why: the launcher (and the integration tests) build the real ``InboxService`` and hand it
over; this module only owns Qt's lifetime — application, theme, window, event loop, clean exit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QWidget

from inbox.engine.service import InboxService
from inbox.engine.verification import Verifier
from inbox.ui import ops, theme
from inbox.ui.application import ensure_app
from inbox.ui.live import LiveUpdates
from inbox.ui.main_window import MainWindow


def run_app(
    service: InboxService,
    *,
    title: str = "Inbox",
    on_close: Callable[[], None] | None = None,
    extra_windows: Iterable[QWidget] = (),
    verifier: Verifier | None = None,
    live: LiveUpdates | None = None,
) -> int:
    """Show the inbox for ``service`` and run the event loop; returns the exit code.

    Args:
        service: the one backend handle every window uses (the real engine, or a sample inbox).
        title: window title (the demo shows its database there).
        on_close: called when the main window closes (stop the engine's scheduler).
        extra_windows: other top-level windows to show beside it, each reopened from View ▸ its
            accessible name (the simulator's demo phone: "Customer phone").
        verifier: enables "Verify identity" (``inbox.engine.verification.Verifier``).
        live: the database's change feed (``inbox.ui.live``): other processes' changes show too.
    """
    app = ensure_app()
    theme.apply_theme(app)
    theme.follow_system(app)
    window = MainWindow(service, title=title, on_close=on_close, verifier=verifier, live=live)
    window.show()
    extras = list(extra_windows)
    for w in extras:  # each on View ▸ its name, opened beside the inbox
        window.add_companion(w, w.accessibleName() or w.windowTitle())
        window.show_companion(w)
    app.setQuitOnLastWindowClosed(True)
    try:
        return app.exec()
    finally:
        ops.shutdown()


def main() -> int:
    """`python -m inbox.ui.app`: the preview conversations in a temporary SQLite inbox, no provider."""
    from inbox.engine.sample.temporary import preview_inbox

    with preview_inbox() as inbox:  # written before Qt starts, off the GUI's watch
        return run_app(inbox.service(), title="Inbox · sample data")


if __name__ == "__main__":
    raise SystemExit(main())
