"""The reflowing card grid the Engagement and Supervisor windows share: columns follow the width."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from inbox.ui.cards import GAP, Card, CardGrid


def _positions(grid: CardGrid) -> list[tuple[int, int]]:
    out = []
    for card in grid.cards:
        row, col, _rs, _cs = grid.grid.getItemPosition(grid.grid.indexOf(card))
        out.append((row, col))
    return out


def _resized(qtbot, grid: CardGrid, width: int) -> CardGrid:
    qtbot.addWidget(grid)
    grid.resize(width, 400)
    grid.show()
    qtbot.waitUntil(lambda: grid.width() == width)
    return grid


def test_as_many_columns_as_fit_between_the_fewest_and_the_most(qtbot) -> None:
    grid = CardGrid(min_width=100, fewest=2, most=6)
    for _ in range(12):
        grid.add(QWidget(grid))
    assert grid.columns_for(4 * 100 + 3 * GAP) == 4
    assert grid.columns_for(50) == 2  # never fewer than two
    assert grid.columns_for(5000) == 6  # never more than six
    _resized(qtbot, grid, 4 * 100 + 3 * GAP)
    assert grid.columns == 4
    assert _positions(grid)[4] == (1, 0)


def test_balanced_rows_never_leave_one_card_alone(qtbot) -> None:
    cards: list[QWidget] = [Card(f"card {i}") for i in range(4)]
    grid = _resized(qtbot, CardGrid(cards, 100, balance=True), 3 * 100 + 2 * GAP + 5)
    assert grid.columns == 2  # three fit, but 3 + 1 would strand the last card
    assert _positions(grid) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    grid.resize(4 * 100 + 3 * GAP, 400)
    qtbot.waitUntil(lambda: grid.columns == 4)
    assert _positions(grid) == [(0, 0), (0, 1), (0, 2), (0, 3)]


def test_an_empty_title_is_hidden() -> None:
    assert Card("").title.isHidden()
    assert not Card("Results").title.isHidden()
