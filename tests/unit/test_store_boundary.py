"""Rows stay in the store: no public function of `inbox.store` hands an ORM row to its caller.

A row that leaves its session is a live object: setting a field on it writes to the database from
wherever the caller happens to be, and reading an expired one is a hidden query (on the GUI thread,
a frozen window). The store returns frozen dataclasses and offers a function for each change.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator

import inbox.store
from inbox.store.models import Base, ChannelRow, MessageRow


def _mentions_a_row(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Base):
        return True
    return any(_mentions_a_row(arg) for arg in typing.get_args(annotation))


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    for info in pkgutil.iter_modules(inbox.store.__path__):
        if info.name == "migrations":
            continue
        module = importlib.import_module(f"inbox.store.{info.name}")
        for name, fn in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(fn) and fn.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", fn


def _row_returners(functions: Iterator[tuple[str, Callable[..., object]]]) -> list[str]:
    found = []
    for qualified, fn in functions:
        hints = typing.get_type_hints(fn)
        if "return" not in hints:
            found.append(f"{qualified}: no return annotation, so this rule cannot see what it returns")
        elif _mentions_a_row(hints["return"]):
            found.append(f"{qualified} -> {hints['return']}")
    return found


def test_no_store_function_returns_an_orm_row() -> None:
    functions = list(_public_functions())
    assert len(functions) > 100, "the walk found the store's functions"
    assert _row_returners(iter(functions)) == [], "return a frozen dataclass, and change rows in a store function"


def test_the_rule_above_sees_a_row_in_any_position() -> None:
    def one(session: object) -> ChannelRow | None: ...

    def many(session: object) -> list[tuple[int, MessageRow]]: ...

    def plain(session: object) -> list[int]: ...

    def unannotated(session: object): ...

    found = _row_returners(iter([("one", one), ("many", many), ("plain", plain), ("unannotated", unannotated)]))
    assert [line.split(" ")[0].rstrip(":") for line in found] == ["one", "many", "unannotated"]
