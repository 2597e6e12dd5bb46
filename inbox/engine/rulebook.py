"""Keyword rules, the one door: every front end (the `inbox keywords` commands, the desktop's rules
editor, scripts) adds, edits, switches and imports rules here.

Each change is validated (`core.rules.validate`, RuleRefused: nothing written), stored as a new
version carrying who made it, and recorded in the audit trail in the same transaction — so a rule
made on the command line leaves the same trace as one made in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox.core import rules as core_rules
from inbox.core.rules import RuleSetSettings, RuleSpec
from inbox.store import audit, channels
from inbox.store import rules as stored_rules
from inbox.store.db import Database
from inbox.store.rules import RuleNotFound, StoredRule

__all__ = ["RuleBook", "RuleNotFound", "add_rule", "import_rules", "rule_book", "rule_history", "save_rule"]


@dataclass(frozen=True, slots=True)
class RuleBook:
    """Everything the rules editor lists: stored rules in evaluation order and channel names."""

    rules: list[StoredRule]
    channels: dict[int, str]


def _audit(session, by: str, action: str, stored: StoredRule) -> None:
    audit.record(session, by, action, f"rule:{stored.spec.name}", version=stored.version)


def rule_book(db: Database) -> RuleBook:
    """Stored rules (enabled or not) in the order they are evaluated, plus channel names."""
    with db.read() as s:
        stored = stored_rules.all_rules(s)
        names = {c.id: c.name for c in channels.all_active(s)}
    order = {id(spec): i for i, spec in enumerate(core_rules.ordered(r.spec for r in stored))}
    return RuleBook(sorted(stored, key=lambda r: order[id(r.spec)]), names)


def add_rule(db: Database, spec: RuleSpec, by: str) -> StoredRule:
    """Version 1 of a new rule; RuleRefused (nothing written) if the engine refuses it."""
    with db.write() as s:
        stored = stored_rules.add(s, spec, by=by)
        _audit(s, by, "rule_add", stored)
    return stored


def save_rule(db: Database, spec: RuleSpec, by: str) -> StoredRule:
    """A new version of an existing rule; RuleNotFound if there is none by that name."""
    with db.write() as s:
        if stored_rules.get(s, spec.name) is None:
            raise RuleNotFound(f"no rule named {spec.name!r}")
        stored = stored_rules.save(s, spec, by=by)
        _audit(s, by, "rule_save", stored)
    return stored


def set_rule_enabled(db: Database, name: str, enabled: bool, by: str) -> StoredRule:
    """Switch a rule on or off (a new version); RuleNotFound if there is none by that name."""
    with db.write() as s:
        stored = stored_rules.set_enabled(s, name, enabled, by=by)
        _audit(s, by, "rule_enable" if enabled else "rule_disable", stored)
    return stored


def import_rules(db: Database, specs: list[RuleSpec], by: str) -> list[StoredRule]:
    """Add or update every rule of a file in one transaction: all of them, or none."""
    with db.write() as s:
        versions = []
        for spec in specs:
            stored = stored_rules.save(s, spec, by=by)
            _audit(s, by, "rule_import", stored)
            versions.append(stored)
    return versions


def rule_history(db: Database, name: str) -> list[StoredRule]:
    """Every version of a rule, oldest first; RuleNotFound if there is none by that name."""
    with db.read() as s:
        return stored_rules.history(s, name)


def save_settings(db: Database, channel_id: int | None, value: RuleSetSettings, by: str) -> None:
    """Business hours and the after-hours acknowledgement (one channel, or all of them: None)."""
    with db.write() as s:
        stored_rules.save_settings(s, channel_id, value)
        audit.record(s, by, "rule_settings", f"channel:{channel_id}" if channel_id else "channels:all")
