"""House rules that a reviewer would otherwise have to remember: layer contracts and lint."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_layer_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is part of the test dependencies"
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_ruff_is_clean() -> None:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("ruff not installed")
    result = subprocess.run([exe, "check", "inbox", "tests"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:]


def test_code_is_ruff_formatted() -> None:
    """One formatting everywhere keeps diffs about behaviour, not layout."""
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("ruff not installed")
    result = subprocess.run(
        [exe, "format", "--check", "inbox", "tests", "packaging"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:]


# Who may write an outbound message row. Automations go through `engine.replies.queue` (it checks
# opt-out, keeps one answer per (MO, author), marks the author, mask and kind); an agent's reply
# through `InboxService.send_reply`; the demo history writes finished rows of its own.
MAY_QUEUE_OUTBOUND = {
    "inbox/engine/replies.py": "the one door for automatic replies",
    "inbox/engine/service.py": "an agent's reply (InboxService.send_reply)",
    "inbox/engine/sample/history.py": "made-up history for the demo and previews: rows already sent",
}


def _calls_to(tree: ast.AST, name: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == name)
            or (isinstance(node.func, ast.Name) and node.func.id == name)
        )
    ]


def test_only_the_reply_door_queues_outbound_messages() -> None:
    """An automation that queued its MT another way would skip the opt-out check or the
    once-per-message rule, or lose its author kind, mask or badge: every one goes through replies."""
    offenders = []
    for path in sorted((ROOT / "inbox").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in MAY_QUEUE_OUTBOUND or rel == "inbox/store/messages.py":  # where it is defined
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        offenders += [f"{rel}:{line}" for line in _calls_to(tree, "queue_outbound")]
    assert offenders == [], "queue automatic replies with inbox.engine.replies.queue: " + ", ".join(offenders)


def test_the_rule_above_sees_a_call() -> None:
    """Guard: the walk finds `messages.queue_outbound(...)` and a bare `queue_outbound(...)`."""
    tree = ast.parse("messages.queue_outbound(s, body='x')\nqueue_outbound(s)\nother(s)\n")
    assert _calls_to(tree, "queue_outbound") == [1, 2]
