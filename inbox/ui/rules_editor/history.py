"""Every version of one rule, newest first: who changed it, when, and what it said then.

Why: rules are never overwritten (inbox.store.rules keeps each version), so "who turned this off?"
has an answer; this dialog shows it without a terminal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inbox.engine.rulebook import StoredRule
from inbox.ui import theme
from inbox.ui.rules_editor import wording

COLUMNS = ("Version", "Changed", "By", "Keywords", "Match", "Action", "Active", "Enabled")


class HistoryDialog(QDialog):
    """Filled by ``show_versions`` once the worker has read them."""

    def __init__(self, name: str, channels: dict[int, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of “{name}”")
        self.setAccessibleName(self.windowTitle())
        self.resize(760, 360)
        self._channels = channels
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Rule versions")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(COLUMNS.index("Action"), QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.note = QLabel("Loading…")
        self.note.setProperty("role", "muted")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.setSpacing(10)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.note)
        lay.addWidget(buttons)

    def show_versions(self, versions: list[StoredRule]) -> None:
        self.tree.clear()
        muted = theme.tokens().color("muted")
        for v in reversed(versions):
            spec = v.spec
            item = QTreeWidgetItem(
                [
                    f"v{v.version}",
                    f"{v.updated_at.astimezone():%-d %b %Y %H:%M}",
                    v.updated_by or "?",
                    ", ".join(spec.keywords),
                    wording.mode_text(spec.mode),
                    wording.action_summary(spec),
                    wording.window_text(spec),
                    "On" if spec.enabled else "Off",
                ]
            )
            item.setToolTip(COLUMNS.index("Action"), wording.action_summary(spec))
            if not spec.enabled:
                for col in range(len(COLUMNS)):
                    item.setForeground(col, muted)
            self.tree.addTopLevelItem(item)
        n = len(versions)
        self.note.setText(f"{n} version{'s' if n != 1 else ''}; earlier versions are kept, never overwritten.")
