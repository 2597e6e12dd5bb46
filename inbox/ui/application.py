"""The one QApplication of the process, named as the desktop environment knows it.

Why a module of its own: every window's entry point (the inbox, the Supervisor and Engagement
previews, the screenshots) needs the application before it builds a widget, and none of them may
import the main window's module to get it.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from inbox.ui import shortcuts


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("Inbox")
        app.setOrganizationName("Inbox")
        app.setDesktopFileName("io.github.inbox.Inbox")  # matches packaging/linux/*.desktop (Wayland app id)
    assert isinstance(app, QApplication)
    shortcuts.close_dialogs_with_ctrl_w(app)  # Esc and Ctrl+W close every secondary window
    return app
