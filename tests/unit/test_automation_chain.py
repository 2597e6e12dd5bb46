"""The automation chain is declared once: the chain, the screened walk of ingest, the settings page
and `inbox keywords order` all follow `automation.STEPS`, so a step added there shows up everywhere
and nothing can list an order the chain does not run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from inbox.cli.main import main
from inbox.engine import automation, screening, setup
from inbox.engine.inbound import Arrival, ChunkState

AT = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _step(name: str, word: str, calls: list[str], *, screened: bool = True) -> automation.Step:
    """A step that acts on (and only on) messages containing `word`, and says so in its screen."""

    def handler(ctx) -> bool:
        calls.append(name)
        return word in ctx.body

    def screen(state: ChunkState, m: Arrival) -> bool:
        return word not in m.folded

    return automation.Step(
        name, f"what {name} does", f"{name.title()} (settings)", screen if screened else None, handler
    )


def _state() -> ChunkState:
    return ChunkState(channel=SimpleNamespace(id=1))  # type: ignore[arg-type]  # the fake screens read no state


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def added(monkeypatch, calls) -> list[str]:
    """The real list replaced by two steps: 'first', then the newly added 'parcel'."""
    monkeypatch.setattr(automation, "STEPS", (_step("first", "FIRST", calls), _step("parcel", "PARCEL", calls)))
    return ["first", "parcel"]


def test_an_added_step_runs_in_the_chain_in_its_place(added, calls):
    assert automation.run(SimpleNamespace(body="where is my PARCEL")) == "parcel"
    assert calls == ["first", "parcel"]
    calls.clear()
    assert automation.run(SimpleNamespace(body="hello")) is None
    assert calls == ["first", "parcel"]


def test_an_added_step_is_screened_by_its_own_screen(added, calls):
    state = _state()
    assert screening.quiet(state, Arrival.of(1, 1, "hello", AT))
    parcel = Arrival.of(1, 1, "where is my parcel", AT)
    assert not screening.quiet(state, parcel)
    assert screening.run(state, parcel, SimpleNamespace(body="where is my PARCEL")) == "parcel"
    assert calls == ["parcel"]  # 'first' was screened out, the added step was not


def test_a_step_without_a_screen_is_never_skipped(monkeypatch, calls):
    monkeypatch.setattr(automation, "STEPS", (_step("first", "FIRST", calls, screened=False),))
    assert not screening.quiet(_state(), Arrival.of(1, 1, "hello", AT))
    assert screening.run(_state(), Arrival.of(1, 1, "hello", AT), SimpleNamespace(body="hello")) is None
    assert calls == ["first"]


def test_an_added_step_is_listed_by_keywords_order_and_the_settings_page(added, sqlite_db, capsys):
    assert setup.automation_order() == [("first", "First (settings)"), ("parcel", "Parcel (settings)")]

    assert main(["keywords", "order", "--db", sqlite_db.url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["order"] == [*added, "fallback"]
    assert listed["installed"] == added
    assert [s["description"] for s in listed["steps"][:2]] == ["what first does", "what parcel does"]

    assert main(["keywords", "order", "--db", sqlite_db.url]) == 0
    text = capsys.readouterr().out
    assert "1. first: what first does\n2. parcel: what parcel does\n3. fallback: " in text


def test_the_declared_steps_have_unique_names_and_a_screen_each():
    names = [step.name for step in automation.STEPS]
    assert len(set(names)) == len(names) and automation.FALLBACK not in names
    assert all(step.screen is not None for step in automation.STEPS)  # or every message runs the chain
