"""`inbox keywords ...`: manage, test and replay keyword rules from a terminal.

The test bench and the replay only read: an admin can try a rule set against real traffic before
turning it on. Import/export use TOML (or JSON) so rules can be reviewed and kept in version control.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from inbox.cli.command import CliError, channel_id, database, duration, emit, moment
from inbox.core import durations, phone
from inbox.core import rules as core_rules
from inbox.core.rules import Action, ActionKind, MatchMode, RuleRefused, RuleSetSettings, RuleSpec

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _channel_names(session) -> dict[int, str]:
    from inbox.store import channels

    return {c.id: c.name for c in channels.all_active(session)}


# -- rule options ----------------------------------------------------------------------------------
def _rule_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    d = None if editing else argparse.SUPPRESS
    p.add_argument(
        "--keyword",
        "-k",
        action="append",
        dest="keywords",
        default=d,
        help="keyword (repeat for aliases; with --mode regex, a pattern)",
    )
    p.add_argument(
        "--mode",
        choices=[m.value for m in MatchMode],
        default=d,
        help="whole message, first word (default), any word, or regular expression",
    )
    p.add_argument("--channel", default=d, help="only this channel (default: all channels)")
    p.add_argument("--all-channels", action="store_true", default=d, help="apply to every channel")
    p.add_argument("--priority", type=int, default=d, help="lower is checked first (default 100)")
    p.add_argument("--start", default=d, help="active from (ISO date/time)")
    p.add_argument("--end", default=d, help="active until (ISO date/time)")
    p.add_argument("--action", choices=[a.value for a in ActionKind], default=d)
    p.add_argument("--reply", default=d, help="reply template: {first_name} {number} {date} {list} {lookup.FIELD}")
    p.add_argument("--list", dest="list_name", default=d, help="join/leave: this list (default: the next word)")
    p.add_argument("--url", default=d, help="lookup: URL template with {number} and {first_word}")
    p.add_argument(
        "--timeout",
        type=duration(durations.LOOKUP_TIMEOUT),
        default=d,
        help=f"lookup: seconds, {durations.LOOKUP_TIMEOUT.describe()} (default 5)",
    )
    p.add_argument("--auth-header", default=d, help="lookup: header name, e.g. Authorization")
    p.add_argument("--auth-env", default=d, metavar="VAR", help="lookup: header value from this environment variable")
    p.add_argument("--auth-keyring", default=d, metavar="NAME", help="lookup: header value from the OS keyring")
    p.add_argument("--fallback", default=d, help="lookup: reply on timeout or error")
    p.add_argument("--tag", default=d)
    p.add_argument("--assignee", default=d, help="assign (forward) to this agent")
    p.add_argument("--status", default=d, choices=["open", "pending", "snoozed", "resolved"])


def _spec_from_args(args: argparse.Namespace, session, base: RuleSpec | None) -> RuleSpec:
    def given(name: str) -> Any:
        return getattr(args, name, None)

    spec = base or RuleSpec(name=args.name, keywords=())
    act = spec.action
    act_fields = {
        "kind": ActionKind(given("action")) if given("action") else None,
        "reply": given("reply"),
        "list_name": given("list_name"),
        "url": given("url"),
        "timeout": given("timeout"),
        "auth_header": given("auth_header"),
        "fallback": given("fallback"),
        "tag": given("tag"),
        "assignee": given("assignee"),
        "status": given("status"),
    }
    if given("auth_env"):
        act_fields["auth_ref"] = f"env:{args.auth_env}"
    if given("auth_keyring"):
        act_fields["auth_ref"] = f"keyring:{args.auth_keyring}"
    act = replace(act, **{k: v for k, v in act_fields.items() if v is not None})
    if base is None and given("action") is None:
        act = replace(act, kind=_guess_kind(act))
    changes: dict[str, Any] = {"action": act}
    if given("keywords"):
        changes["keywords"] = tuple(args.keywords)
    if given("mode"):
        changes["mode"] = MatchMode(args.mode)
    if given("channel"):
        changes["channel_id"] = channel_id(session, args.channel)
    if given("all_channels"):
        changes["channel_id"] = None
    if given("priority") is not None:
        changes["priority"] = args.priority
    if given("start") is not None:
        changes["starts_at"] = moment(args.start)
    if given("end") is not None:
        changes["ends_at"] = moment(args.end)
    return replace(spec, **changes)


def _guess_kind(act: Action) -> ActionKind:
    if act.url:
        return ActionKind.LOOKUP
    if act.tag:
        return ActionKind.TAG
    if act.assignee:
        return ActionKind.ASSIGN
    return ActionKind.REPLY


def _describe(spec: RuleSpec, channels: dict[int, str]) -> str:
    where = channels.get(spec.channel_id, f"#{spec.channel_id}") if spec.channel_id else "all channels"
    window = ""
    if spec.starts_at or spec.ends_at:
        window = f" {spec.starts_at:%Y-%m-%d}" if spec.starts_at else " …"
        window += f"→{spec.ends_at:%Y-%m-%d}" if spec.ends_at else "→"
    state = "" if spec.enabled else " [disabled]"
    keys = " | ".join(spec.keywords)
    kind = spec.action.kind.value
    return f"{spec.priority:>4}  {spec.name:16} {spec.mode.value:10} {keys:24} {kind:7} {where}{window}{state}"


# -- commands ----------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from inbox.store import rules as rule_store

    db = database(args)
    with db.read() as s:
        found = rule_store.all_rules(s)
        names = _channel_names(s)

    def human() -> None:
        if not found:
            print("No keyword rules yet: add one with `inbox keywords add NAME --keyword WORD --reply TEXT`.")
        for r in found:
            print(f"{_describe(r.spec, names)}  (v{r.version})")

    emit(args, [{**core_rules.to_dict(r.spec), "version": r.version} for r in found], human)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from inbox.engine import rulebook

    db = database(args)
    try:
        with db.read() as s:
            spec = _spec_from_args(args, s, None)
        stored = rulebook.add_rule(db, spec, args.agent)
    except RuleRefused as exc:
        raise CliError(str(exc)) from None
    emit(args, core_rules.to_dict(stored.spec), lambda: print(f"Added rule {stored.spec.name} (version 1)."))
    _warn_preview(stored.spec.action.reply)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from inbox.engine import rulebook
    from inbox.store import rules as rule_store

    db = database(args)
    try:
        with db.read() as s:
            current = rule_store.get(s, args.name)
            if current is None:
                raise CliError(f"no rule named {args.name!r}")
            spec = _spec_from_args(args, s, current.spec)
        stored = rulebook.save_rule(db, spec, args.agent)
    except (RuleRefused, rulebook.RuleNotFound) as exc:
        raise CliError(str(exc)) from None
    emit(
        args,
        core_rules.to_dict(stored.spec),
        lambda: print(f"Rule {stored.spec.name} is now version {stored.version}."),
    )
    _warn_preview(stored.spec.action.reply)
    return 0


def cmd_enable(args: argparse.Namespace, enabled: bool) -> int:
    from inbox.engine import rulebook

    db = database(args)
    try:
        stored = rulebook.set_rule_enabled(db, args.name, enabled, args.agent)
    except rulebook.RuleNotFound as exc:
        raise CliError(str(exc)) from None
    word = "enabled" if enabled else "disabled"
    emit(
        args,
        {"name": args.name, "enabled": enabled, "version": stored.version},
        lambda: print(f"Rule {args.name} {word} (version {stored.version})."),
    )
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from inbox.store import rules as rule_store

    db = database(args)
    try:
        with db.read() as s:
            versions = rule_store.history(s, args.name)
            names = _channel_names(s)
    except rule_store.RuleNotFound as exc:
        raise CliError(str(exc)) from None

    def human() -> None:
        for v in versions:
            print(f"v{v.version}  {v.updated_at.astimezone():%Y-%m-%d %H:%M} by {v.updated_by or '?'}")
            print(f"      {_describe(v.spec, names)}")

    emit(
        args,
        [
            {"version": v.version, "at": v.updated_at, "by": v.updated_by, **core_rules.to_dict(v.spec)}
            for v in versions
        ],
        human,
    )
    return 0


def _file_dicts(session, specs: list[RuleSpec]) -> list[dict[str, Any]]:
    names = _channel_names(session)
    out = []
    for spec in specs:
        data = core_rules.to_dict(spec)
        cid = data.pop("channel_id")
        if cid is not None:
            data["channel"] = names.get(cid, str(cid))
        out.append(data)
    return out


def cmd_export(args: argparse.Namespace) -> int:
    from inbox.store import rules as rule_store

    db = database(args)
    with db.read() as s:
        data = _file_dicts(s, [r.spec for r in rule_store.all_rules(s)])
    fmt = args.format or ("json" if args.out and args.out.endswith(".json") else "toml")
    text = (
        json.dumps({"rule": data}, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else core_rules.to_toml(data)
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"Exported {len(data)} rule(s) to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def read_rule_file(path: str, session) -> list[RuleSpec]:
    """Rules from a TOML (`[[rule]]`) or JSON (`{"rule": [...]}`) file; channels named, not numbered."""
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw) if path.endswith(".json") else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    items = data.get("rule", []) if isinstance(data, dict) else data
    specs = []
    for item in items:
        item = dict(item)
        channel = item.pop("channel", None)
        item["channel_id"] = channel_id(session, channel) if channel else None
        try:
            specs.append(core_rules.validate(core_rules.from_dict(item)))
        except (RuleRefused, KeyError, ValueError) as exc:
            raise CliError(f"{path}: rule {item.get('name', '?')!r}: {exc}") from None
    return specs


def cmd_import(args: argparse.Namespace) -> int:
    from inbox.engine import rulebook

    db = database(args)
    with db.read() as s:
        specs = read_rule_file(args.file, s)
    versions = rulebook.import_rules(db, specs, args.agent)
    emit(
        args,
        [{"name": v.spec.name, "version": v.version} for v in versions],
        lambda: [print(f"{v.spec.name}: version {v.version}") for v in versions],
    )
    return 0


def _subject(args: argparse.Namespace, session):
    from inbox.engine.rules import Subject
    from inbox.store import channels, contacts, conversations

    chans = channels.all_active(session)
    if args.channel:
        channel = channels.by_name(session, args.channel)
        if channel is None:
            raise CliError(f"no channel named {args.channel!r}")
    elif chans:
        channel = chans[0]
    else:
        raise CliError("no channel yet: add one with `inbox channel add`")
    number = "+15550000000"
    contact = None
    if args.from_number:
        try:
            number = phone.normalize(args.from_number)
        except phone.InvalidPhoneNumber as exc:
            raise CliError(str(exc)) from None
        contact = contacts.by_phone(session, number)
    conv_id = conversations.find(session, contact.id, channel.id) if contact else None
    at = moment(args.at) or datetime.now(UTC)
    return Subject(
        channel,
        number,
        args.text,
        at,
        contact.id if contact else None,
        conv_id,
        contact.display_name if contact else None,
    )


def cmd_test(args: argparse.Namespace) -> int:
    from inbox.engine import rules as engine_rules

    db = database(args)
    with db.read() as s:
        subject = _subject(args, s)
        plan = engine_rules.plan(s, subject)
    reply = plan.reply
    if plan.lookup_url and plan.rule:
        act = plan.rule.spec.action
        sample = json.loads(args.lookup_sample) if args.lookup_sample else None
        if sample is not None:
            reply = core_rules.render(act.reply, {**plan.lookup_variables, **core_rules.lookup_variables(sample)})
        else:
            reply = (
                f"{act.reply}  (after the lookup; on error: {core_rules.render(act.fallback, plan.lookup_variables)})"
            )
    data = {
        "step": plan.step,
        "rule": plan.rule.spec.name if plan.rule else None,
        "version": plan.rule.version if plan.rule else None,
        "author": plan.author,
        "reply": reply,
        "lookup_url": plan.lookup_url,
        "effects": plan.effects,
        "reason": plan.reason,
    }
    if reply:
        pv = core_rules.preview(reply)
        data.update(encoding=pv.encoding, segments=pv.segments, warning=pv.warning)

    def human() -> None:
        who = f"rule {data['rule']} (v{data['version']})" if data["rule"] else data["step"]
        print(f"Fires: {who}" + (f" — {plan.reason}" if plan.reason else ""))
        if plan.lookup_url:
            print(f"Lookup: GET {plan.lookup_url}")
        for effect in plan.effects:
            print(f"Effect: {effect}")
        if reply:
            print(f"Reply as {plan.author or 'compliance'}: {reply}")
            print(f"        {data['encoding']}, {data['segments']} segment(s)")
            if data.get("warning"):
                print(f"        warning: {data['warning']}")
        else:
            print("Reply: none")
        print("(nothing was sent or written)")

    emit(args, data, human)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from inbox.engine import rules as engine_rules
    from inbox.store import rules as rule_store

    since = moment(args.since)
    db = database(args)
    with db.read() as s:
        if args.file:
            draft = read_rule_file(args.file, s)
        else:
            draft = [r.spec for r in rule_store.all_rules(s)]
        scope = channel_id(s, args.channel)
        report = engine_rules.replay(s, draft, since, channel_id=scope, max_examples=args.examples)

    def human() -> None:
        print(
            f"Replayed {report.messages} inbound message(s) since {since:%Y-%m-%d %H:%M}: "
            f"{report.changed} would be handled differently."
        )
        keys = sorted(set(report.fired_now) | set(report.fired_draft))
        if keys:
            print(f"{'':24} {'now':>6} {'draft':>6}")
            for key in keys:
                print(f"{key:24} {report.fired_now.get(key, 0):>6} {report.fired_draft.get(key, 0):>6}")
        for ex in report.examples:
            print(f"\n  {ex['at'][:16]}  “{ex['message']}”\n    now:   {ex['now']}\n    draft: {ex['draft']}")

    emit(args, report, human)
    return 0


def cmd_order(args: argparse.Namespace) -> int:
    from inbox.engine import automation
    from inbox.store import rules as rule_store

    db = database(args)
    with db.read() as s:
        found = rule_store.enabled_specs(s, None)
        names = _channel_names(s)
        settings = rule_store.settings(s, None)
    order = automation.order()  # the chain's one declaration, then the fallback
    installed = [step.name for step in automation.STEPS]

    def human() -> None:
        for i, (name, text) in enumerate(order, 1):
            print(f"{i}. {name}: {text}")
            if name == "rules":
                for r in found:
                    print(f"     {_describe(r.spec, names)}")
            if name == automation.FALLBACK and settings.ack_text:
                days = ",".join(_DAYS[d] for d in settings.days)
                print(
                    f"     business hours {settings.opens:%H:%M}-{settings.closes:%H:%M} {days} {settings.timezone};"
                    f" outside them: “{settings.ack_text}”"
                )
        print(f"\nInstalled steps, in order: {' → '.join(name for name, _ in order)}")

    data = {
        "order": [name for name, _ in order],
        "steps": [{"name": name, "description": text} for name, text in order],
        "installed": installed,
        "rules": [r.spec.name for r in found],
    }
    emit(args, data, human)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    sample = {
        "first_name": "Ada",
        "number": "+15551234567",
        "date": datetime.now(UTC).date().isoformat(),
        "list": "NEWS",
        "keyword": "JOIN",
    }
    if args.lookup_sample:
        sample.update(core_rules.lookup_variables(json.loads(args.lookup_sample)))
    text = core_rules.render(args.template, sample)
    pv = core_rules.preview(text)
    emit(
        args,
        {"text": text, "encoding": pv.encoding, "segments": pv.segments, "warning": pv.warning},
        lambda: print(
            f"{text}\n{pv.encoding}, {pv.segments} segment(s)" + (f"\nwarning: {pv.warning}" if pv.warning else "")
        ),
    )
    return 0


def _warn_preview(template: str) -> None:
    if template:
        pv = core_rules.preview(template)
        if pv.warning:
            print(f"warning: {pv.warning}", file=sys.stderr)


def _parse_days(value: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in value.lower().split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = (_DAYS.index(x[:3]) for x in part.split("-", 1))
            out.extend(range(a, b + 1))
        else:
            out.append(_DAYS.index(part[:3]))
    return tuple(sorted(set(out)))


def cmd_settings(args: argparse.Namespace) -> int:
    from inbox.engine import rulebook
    from inbox.store import rules as rule_store

    db = database(args)
    with db.read() as s:
        scope = channel_id(s, args.channel)
        current = rule_store.settings(s, scope)
        changes: dict[str, Any] = {}
        if args.hours:
            try:
                opens, closes = (time.fromisoformat(x.strip()) for x in args.hours.split("-"))
            except ValueError:
                raise CliError("--hours is HH:MM-HH:MM, e.g. 09:00-17:30") from None
            changes.update(opens=opens, closes=closes)
        if args.days is not None:
            try:
                changes["days"] = _parse_days(args.days)
            except ValueError:
                raise CliError("--days is like mon-fri or mon,wed,sat (empty: never open)") from None
        if args.timezone:
            changes["timezone"] = args.timezone
        if args.ack is not None:
            changes["ack_text"] = args.ack
    value: RuleSetSettings = replace(current, **changes)
    if changes:
        try:
            rulebook.save_settings(db, scope, value, args.agent)
        except (ValueError, LookupError) as exc:  # zoneinfo's errors for a bad zone name
            raise CliError(f"cannot save: {exc}") from None
    days = ",".join(_DAYS[d] for d in value.days) or "never"
    emit(
        args,
        value,
        lambda: print(
            f"Business hours {value.opens:%H:%M}-{value.closes:%H:%M} {days} "
            f"({value.timezone}); after-hours ack: {value.ack_text or '(none)'}"
        ),
    )
    return 0


# -- wiring ------------------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add `inbox keywords ...` to the main parser."""
    kw = subparsers.add_parser("keywords", help="keyword rules: list, add, edit, test, replay", parents=[common])
    sub = kw.add_subparsers(dest="keywords_command", required=True)

    sub.add_parser("list", help="rules by priority", parents=[common]).set_defaults(func=cmd_list)
    sub.add_parser("order", help="the order automations see a message", parents=[common]).set_defaults(func=cmd_order)

    add = sub.add_parser("add", help="add a rule", parents=[common])
    add.add_argument("name")
    _rule_options(add, editing=False)
    add.set_defaults(func=cmd_add)

    edit = sub.add_parser("edit", help="change a rule (saves a new version)", parents=[common])
    edit.add_argument("name")
    _rule_options(edit, editing=True)
    edit.set_defaults(func=cmd_edit)

    for verb, on in (("disable", False), ("enable", True)):
        p = sub.add_parser(verb, help=f"{verb} a rule (saves a new version)", parents=[common])
        p.add_argument("name")
        p.set_defaults(func=lambda a, on=on: cmd_enable(a, on))

    hist = sub.add_parser("history", help="every version of a rule", parents=[common])
    hist.add_argument("name")
    hist.set_defaults(func=cmd_history)

    exp = sub.add_parser("export", help="write rules as TOML or JSON", parents=[common])
    exp.add_argument("--format", choices=["toml", "json"])
    exp.add_argument("--out", help="file (default: stdout)")
    exp.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="add or update rules from a TOML/JSON file", parents=[common])
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)

    test = sub.add_parser("test", help="which rule would fire and the exact reply (sends nothing)", parents=[common])
    test.add_argument("text")
    test.add_argument("--from", dest="from_number", help="as this customer (their name, lists, opt-out)")
    test.add_argument("--channel")
    test.add_argument("--at", help="pretend it is this time (ISO)")
    test.add_argument("--lookup-sample", metavar="JSON", help="pretend the lookup backend answered this JSON")
    test.set_defaults(func=cmd_test)

    rep = sub.add_parser("replay", help="run a draft rule set over past messages", parents=[common])
    rep.add_argument("--since", required=True, help="ISO date")
    rep.add_argument("--file", help="draft rules (TOML/JSON); default: the stored rules")
    rep.add_argument("--channel")
    rep.add_argument("--examples", type=int, default=10)
    rep.set_defaults(func=cmd_replay)

    pre = sub.add_parser("preview", help="render a template: encoding and segment count", parents=[common])
    pre.add_argument("template")
    pre.add_argument("--lookup-sample", metavar="JSON")
    pre.set_defaults(func=cmd_preview)

    st = sub.add_parser("settings", help="business hours and the after-hours acknowledgement", parents=[common])
    st.add_argument("--channel", help="override for one channel (default: all)")
    st.add_argument("--hours", help="HH:MM-HH:MM")
    st.add_argument("--days", help="mon-fri, or mon,wed,sat")
    st.add_argument("--timezone", help="IANA zone, e.g. Europe/Paris")
    st.add_argument("--ack", help="after-hours reply ('' to turn off)")
    st.set_defaults(func=cmd_settings)
