"""Help › About (F1): name, version, and where this copy of Inbox keeps its data.

Why: the version shown here is ``inbox.__version__``, read from the installed metadata that
pyproject.toml produces — the same string as ``inbox --version`` and the AppStream metainfo.
"""

from __future__ import annotations

import platform
from html import escape

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from inbox import __version__
from inbox.ui.icons import ICON_DIR


def about_html() -> str:
    """The dialog's rich text; everything interpolated is escaped (paths may hold anything)."""
    from inbox.engine.setup import database_url

    database = database_url()
    if "@" in database:  # never show a password; the host is enough to recognise it
        database = database.split("://", 1)[0] + "://…@" + database.rsplit("@", 1)[1]
    return (
        f"<h3>Inbox {escape(__version__)}</h3>"
        "<p>A desktop two-way SMS support inbox.</p>"
        f"<p>Python {escape(platform.python_version())} · Qt for Python {escape(pyside_version)}</p>"
        f"<p>Default database: <code>{escape(database)}</code></p>"
        "<p>MIT licence.</p>"
    )


def show_about(parent: QWidget) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About Inbox")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    box.setIconPixmap(QIcon(str(ICON_DIR / "app.svg")).pixmap(64, 64))
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setAccessibleName("About Inbox")
    box.open()


def install(window: QWidget, menu: QMenu | None = None) -> QAction:
    """An "About Inbox" action on ``window`` and in ``menu`` (F1; the application menu on macOS)."""
    action = QAction("About Inbox", window)
    action.setShortcut(QKeySequence(Qt.Key.Key_F1))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setMenuRole(QAction.MenuRole.AboutRole)
    action.triggered.connect(lambda: show_about(window))
    window.addAction(action)
    if menu is not None:
        menu.addAction(action)
    return action
