"""Icons follow the palette (the ✓ on Resolve stays visible in dark mode) and stock icons are ours."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QStyle

from inbox.ui import icons, theme
from inbox.ui.thread.header import ThreadHeader


def _colours(ic: QIcon, mode: QIcon.Mode = QIcon.Mode.Normal) -> set[str]:
    """The colours of the icon's clearly opaque pixels (antialiased edges left out)."""
    img = ic.pixmap(24, 24, mode).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return {
        img.pixelColor(x, y).name()
        for x in range(img.width())
        for y in range(img.height())
        if img.pixelColor(x, y).alpha() == 255
    }


def test_header_icons_follow_a_switch_to_dark(qtbot, qapp) -> None:
    header = ThreadHeader("Dana")
    qtbot.addWidget(header)
    assert _colours(header.resolve_button.icon()) == {theme.LIGHT.text}
    theme.apply_theme(qapp, dark=True)
    try:
        assert _colours(header.resolve_button.icon()) == {theme.DARK.text}  # light on the dark header
        assert _colours(header.snooze_button.icon()) == {theme.DARK.muted}
        assert _colours(header.resolve_button.icon(), QIcon.Mode.Disabled) == {theme.DARK.muted}
    finally:
        theme.apply_theme(qapp, dark=False)


@pytest.mark.parametrize(
    "pixmap",
    [
        QStyle.StandardPixmap.SP_DialogSaveButton,
        QStyle.StandardPixmap.SP_DialogCancelButton,
        QStyle.StandardPixmap.SP_DialogOkButton,
        QStyle.StandardPixmap.SP_ArrowLeft,
        QStyle.StandardPixmap.SP_ArrowRight,
        QStyle.StandardPixmap.SP_LineEditClearButton,
        QStyle.StandardPixmap.SP_MessageBoxQuestion,
        QStyle.StandardPixmap.SP_MessageBoxWarning,
    ],
)
def test_stock_icons_are_the_apps_monochrome_ones(qapp, pixmap) -> None:
    ic = QApplication.style().standardIcon(pixmap)
    colours = _colours(ic)
    tokens = theme.tokens()
    assert len(colours) == 1 and colours <= {tokens.text, tokens.muted, tokens.accent, tokens.warning}


def test_dialog_buttons_carry_no_stock_icons(qtbot) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert all(b.icon().isNull() for b in box.buttons())  # no floppy disk, no red ✗


def test_every_icon_name_has_its_svg() -> None:
    for name in icons.NAMES:
        assert (icons.ICON_DIR / f"{name}.svg").is_file(), name
