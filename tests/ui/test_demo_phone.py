"""The demo's Customer phone: beside the inbox (never over its menu bar), reopened from View ▸
Customer phone, and "I am" names the demo's customers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt

from inbox.engine.sample import conversations
from inbox.ui import placement
from inbox.ui.demo_phone import DemoPhoneWindow, demo_people
from inbox.ui.main_window import MainWindow
from tests.ui.conftest import wait_ops

SCREEN = QRect(0, 0, 1920, 1080)
PHONE = QSize(380, 660)


class _Handset:
    """The simulator's control API as the phone sees it, with nobody having texted yet."""

    def messages(self) -> list[dict[str, object]]:
        return []

    def phone_state(self, _number: str) -> dict[str, object]:
        return {}

    def text(self, *_a: object) -> str:
        return "SM1"


@pytest.mark.parametrize(
    ("main", "expected_x"),
    [
        (QRect(100, 50, 1280, 800), 100 + 1280 + placement.GAP),  # room on the right
        (QRect(600, 50, 1280, 800), 600 - placement.GAP - 380),  # none on the right, room on the left
    ],
)
def test_the_phone_goes_beside_the_main_window(main, expected_x) -> None:
    spot = placement.beside(main, PHONE, SCREEN, clear_below=main.top() + 30)
    assert spot.x() == expected_x and spot.y() == main.top()
    assert not spot.intersects(main) and SCREEN.contains(spot)


def test_a_maximised_main_window_keeps_its_menu_bar_clear() -> None:
    main = QRect(0, 0, 1920, 1080)
    spot = placement.beside(main, PHONE, SCREEN, clear_below=60)
    assert spot.top() > 60 and SCREEN.contains(spot)  # over the inbox, but below its menus
    small = placement.beside(QRect(0, 0, 1366, 700), PHONE, QRect(0, 0, 1366, 700), clear_below=60)
    assert QRect(0, 0, 1366, 700).contains(small) and small.top() > 60  # shortened to fit


def test_i_am_lists_the_demo_customers_by_name(qtbot) -> None:
    phone = DemoPhoneWindow(_Handset(), "+15550001111", refresh_ms=0, people=demo_people(conversations.DEMO))
    qtbot.addWidget(phone)
    labels = [phone.who.itemText(i) for i in range(phone.who.count())]
    assert labels[0] == "New customer · +1 555-765-4321"
    assert "Maria García · +1 555-123-0001" in labels
    assert len(labels) == 1 + len({s.phone for s in conversations.DEMO})
    phone.who.setCurrentIndex(labels.index("Maria García · +1 555-123-0001"))
    assert phone.number == "+15551230001"
    phone.who.setEditText("+44 7700 900999")  # someone new, typed
    assert phone.number == "+44 7700 900999"


def test_view_menu_reopens_a_closed_phone_beside_the_inbox(qtbot, service) -> None:
    main = MainWindow(service)
    qtbot.addWidget(main)
    main.resize(1000, 700)
    main.move(40, 40)
    main.show()
    qtbot.waitExposed(main)
    wait_ops(qtbot)
    phone = DemoPhoneWindow(_Handset(), "+15550001111", refresh_ms=0)
    qtbot.addWidget(phone)
    action = main.add_companion(phone, "Customer phone")
    assert action in main.menus["view"].actions() and action.text() == "Customer phone"
    main.show_companion(phone)
    assert phone.isVisible()
    qtbot.waitExposed(phone)
    phone.activateWindow()
    qtbot.waitUntil(phone.isActiveWindow, timeout=2000)
    qtbot.keyClick(phone.input, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)  # as every secondary window
    qtbot.waitUntil(lambda: not phone.isVisible(), timeout=2000)
    action.trigger()
    assert phone.isVisible()
    menu_bar = QRect(main.menuBar().mapToGlobal(QPoint(0, 0)), main.menuBar().size())
    assert not phone.frameGeometry().intersects(menu_bar)
    assert main.screen().availableGeometry().contains(phone.frameGeometry())
