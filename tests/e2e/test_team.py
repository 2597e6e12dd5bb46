"""A team database on PostgreSQL: the agent is the login, and the database enforces the roles.

Real `inbox` processes set the team up and act as its members; direct SQL (psycopg as a member's
login) shows that a client skipping the app meets the same rules. Roles are server-wide, so every
test uses its own database and uniquely named roles, and drops them afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.team.team_database import TeamLogins, fresh_database

from .conftest import env_with
from .test_cli import inbox, served  # noqa: F401 - the simulator fixture
from .test_cli_validation import assert_refused

pytestmark = pytest.mark.postgres

OUR = "+15550001111"
ALICE_CUSTOMER = "+15557654321"
BOB_CUSTOMER = "+15557654322"


@dataclass
class Team(TeamLogins):
    keyring: Path

    def env(self) -> dict[str, str]:
        return env_with(
            PYTHON_KEYRING_BACKEND="tests.e2e.file_keyring.FileKeyring",
            INBOX_TEST_KEYRING_FILE=str(self.keyring),
            INBOX_DATABASE_URL="",
            INBOX_AGENT="",
            SIM_TOKEN="t",
        )

    def run(self, who: str, *args: str, stdin: str | None = None, check: bool = True):
        return inbox(*args, "--db", self.url(who), env=self.env(), stdin=stdin, check=check)


@pytest.fixture
def team(tmp_path) -> Iterator[Team]:
    with fresh_database() as (database, suffix):
        yield Team(database, suffix, tmp_path / "keyring.json")


def set_up(team: Team, *channel: str) -> None:
    """team init (admin `adm`) → agents add alice (supervisor) and bob (agent) → a channel."""
    init = inbox(
        "team", "init", "--db", team.url(), "--admin", team.login("adm"), "--group-prefix", f"g{team.suffix}",
        "--password-stdin", env=team.env(), stdin="adm-secret\n",
    )  # fmt: skip
    assert f"inbox team connect --db {team.url('adm').replace(team.login('adm'), 'NAME')} --password-stdin" in (
        init.stdout
    )
    assert "secret" not in init.stdout
    for who, role in (("alice", "supervisor"), ("bob", "agent")):
        added = team.run(
            "adm", "agents", "add", team.login(who), "--role", role, "--password-stdin", stdin=f"{who}-secret\n"
        )
        assert f"inbox team connect --db {team.url(who)} --password-stdin" in added.stdout
    team.run(
        "adm", "channel", "add", "--name", "main", "--number", OUR, "--account-sid", "AC" + "0" * 32,
        "--auth-token-env", "SIM_TOKEN", "--no-check", *channel,
    )  # fmt: skip


def test_an_agents_login_can_do_the_inbox_work_a_leading_desktop_does(team: Team, served) -> None:  # noqa: F811
    """Any desktop may lead (poll, answer STOP, send): an agent's login has what that takes."""
    url, sid, token = served
    set_up(team, "--base-url", url)
    env = {**team.env(), "SIM_TOKEN": token}
    with team.sql("adm") as conn:
        conn.execute("UPDATE channels SET account_sid = %s", (sid,))
    inbox("simulator", "text", "--url", url, "--from", ALICE_CUSTOMER, "--to", OUR, "my order?", env=env)
    synced = inbox("sync", "--once", "--db", team.url("bob"), env=env)
    assert "Fetched 1 new message" in synced.stdout
    inbox("send", "--channel", "main", "--to", ALICE_CUSTOMER, "on its way", "--db", team.url("alice"), env=env)
    inbox("sync", "--once", "--db", team.url("bob"), env=env)
    inbox("simulator", "text", "--url", url, "--from", ALICE_CUSTOMER, "--to", OUR, "STOP", env=env)
    inbox("sync", "--once", "--db", team.url("bob"), env=env)

    phone = json.loads(inbox("simulator", "phone", "--url", url, ALICE_CUSTOMER, "--json", env=env).stdout)
    assert "on its way" in [m["body"] for m in phone["received"]]
    refused = inbox("send", "--channel", "main", "--to", ALICE_CUSTOMER, "more?", "--db", team.url("bob"), env=env,
                    check=False)  # fmt: skip
    assert refused.returncode != 0 and "opted out" in refused.stderr


def conversation_of(team: Team, who: str, number: str) -> int:
    shown = json.loads(team.run(who, "conversations", "--status", "all", "--json").stdout)
    return next(c["id"] for c in shown if c["contact_phone"] == number)


def test_a_team_member_cannot_act_as_another_from_the_cli(team: Team) -> None:
    set_up(team)
    team.run("bob", "send", "--channel", "main", "--to", BOB_CUSTOMER, "hello from bob")

    refused = team.run(
        "bob", "send", "--agent", team.login("alice"), "--channel", "main", "--to", ALICE_CUSTOMER, "hi",
        check=False,
    )  # fmt: skip
    assert_refused(refused, f"as {team.login('bob')}", team.login("alice"))
    shown = json.loads(team.run("adm", "conversations", "--status", "all", "--json").stdout)
    assert [c["contact_phone"] for c in shown] == [BOB_CUSTOMER]  # the refused send queued nothing

    with team.sql("bob") as conn:
        author = conn.execute("SELECT author FROM messages WHERE body = 'hello from bob'").fetchone()
    assert author == (team.login("bob"),)  # no --agent: the login is the author


def _copy_of_bobs_message(conn, author: str) -> None:
    """INSERT a copy of bob's reply (new id) recorded as `author`."""
    conn.execute("CREATE TEMP TABLE copy AS SELECT * FROM messages WHERE body = 'hello from bob'")
    conn.execute("UPDATE copy SET id = nextval('messages_id_seq'), author = %s", (author,))
    conn.execute("INSERT INTO messages SELECT * FROM copy")


def test_direct_sql_as_bob_cannot_write_as_alice_nor_erase_nor_read_the_audit(team: Team) -> None:
    import psycopg

    set_up(team)
    team.run("bob", "send", "--channel", "main", "--to", BOB_CUSTOMER, "hello from bob")
    alice, bob = team.login("alice"), team.login("bob")

    with team.sql("bob") as conn:  # the same row as bob goes in: the refusals below are the rules
        _copy_of_bobs_message(conn, bob)
        conn.rollback()
    refusals = [
        lambda conn: _copy_of_bobs_message(conn, alice),
        lambda conn: conn.execute("UPDATE messages SET author = %s", (alice,)),
        lambda conn: conn.execute(
            "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES (now(), %s, 'assign', 'x', '{}')",
            (alice,),
        ),
        lambda conn: conn.execute("DELETE FROM messages"),
        lambda conn: conn.execute("DELETE FROM contacts"),
        lambda conn: conn.execute("UPDATE settings SET value = '1' WHERE key = 'team_groups'"),
        lambda conn: conn.execute(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('retention_days', '1', now(), %s)",
            (bob,),
        ),
        lambda conn: conn.execute("UPDATE agents SET role = 'admin'"),
        lambda conn: conn.execute("SELECT actor, action, detail FROM audit_events"),
        lambda conn: conn.execute("SELECT count(*) FROM reviews"),
    ]
    for attempt in refusals:
        with team.sql("bob") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            attempt(conn)

    with team.sql("bob") as conn:  # what an agent's work needs still works
        conn.execute("UPDATE messages SET status = status")
        conn.execute(
            "INSERT INTO audit_events (at, actor, action, subject, detail) VALUES (now(), %s, 'assign', 'x', '{}')",
            (bob,),
        )
        assert conn.execute("SELECT count(*) FROM messages").fetchone() == (1,)
    with team.sql("alice") as conn:  # a supervisor reads the audit trail; nobody rewrites it
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit_events")
    with team.sql("adm") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE audit_events SET actor = 'x'")


def test_bob_cannot_export_or_erase_and_alice_can_export_and_the_admin_erase(team: Team, tmp_path) -> None:
    set_up(team)
    team.run("alice", "send", "--channel", "main", "--to", ALICE_CUSTOMER, "hello from alice")
    team.run("bob", "send", "--channel", "main", "--to", BOB_CUSTOMER, "hello from bob")
    alices = conversation_of(team, "adm", ALICE_CUSTOMER)

    out = tmp_path / "export.csv"
    refused = team.run(
        "bob", "export", "--format", "csv", "--out", str(out), "--conversation", str(alices), check=False
    )
    assert_refused(refused, "may export only conversations assigned to them")
    assert not out.exists()
    assert_refused(team.run("bob", "contacts", "erase", ALICE_CUSTOMER, "--yes", check=False), "admin")
    assert_refused(team.run("bob", "retention", "set", "--days", "1", check=False), "admin")
    assert_refused(team.run("alice", "contacts", "erase", ALICE_CUSTOMER, "--yes", check=False), "admin")
    denied = team.run(
        "bob", "channel", "add", "--name", "side", "--number", "+15550002222", "--account-sid", "AC" + "1" * 32,
        "--auth-token-env", "SIM_TOKEN", "--no-check", check=False,
    )  # fmt: skip
    assert_refused(denied, "your database login may not do this", "ask an admin")  # the database's own refusal

    team.run("alice", "export", "--format", "csv", "--out", str(out), "--what", "messages")
    exported = out.read_text()
    assert "hello from alice" in exported and "hello from bob" in exported

    team.run("adm", "contacts", "erase", ALICE_CUSTOMER, "--yes")
    remaining = json.loads(team.run("adm", "conversations", "--status", "all", "--json").stdout)
    assert [c["contact_phone"] for c in remaining] == [BOB_CUSTOMER]


def test_team_connect_keeps_the_password_in_the_keyring_not_in_the_url(team: Team) -> None:
    set_up(team)
    connected = team.run("bob", "team", "connect", "--password-stdin", stdin="bob-secret\n")
    assert f"Connected as {team.login('bob')} (agent)" in connected.stdout
    assert "bob-secret" not in connected.stdout
    entries = json.loads(team.keyring.read_text())
    (account,) = [key.split("\0", 1)[1] for key in entries if key.startswith("inbox\0database:")]
    assert account.startswith(f"database:{team.login('bob')}@") and account.endswith(f"/{team.database}")
    assert entries[f"inbox\0{account}"] == "bob-secret"


def test_team_connect_refuses_a_login_that_is_no_agent(team: Team) -> None:
    set_up(team)
    assert_refused(
        inbox("team", "connect", "--db", team.url(), "--password-stdin", env=team.env(), stdin="x\n", check=False),
        "not an active agent",
    )
    assert not team.keyring.exists()


def test_removed_agent_loses_the_login(team: Team) -> None:
    import psycopg

    set_up(team)
    team.run("adm", "agents", "remove", team.login("bob"))
    listed = {a["name"]: a["active"] for a in json.loads(team.run("adm", "agents", "list", "--json").stdout)}
    assert listed[team.login("bob")] is False
    with pytest.raises(psycopg.OperationalError):
        team.sql("bob").close()


def test_an_engine_fills_in_the_keyring_password_for_a_login_without_one(monkeypatch, tmp_path) -> None:
    import keyring
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from inbox.store import logins
    from inbox.store.db import make_engine
    from tests.e2e.file_keyring import FileKeyring

    monkeypatch.setenv("INBOX_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        url = "postgresql+psycopg://bob@127.0.0.1:1/team"  # nothing listens: the parameters are the point
        logins.save_password(url, "s3cret")
        engine = make_engine(url)
        seen: dict[str, object] = {}

        def record(_dialect, _record, _cargs, params) -> None:  # runs after the keyring's listener
            seen.update(params)

        event.listen(engine, "do_connect", record)
        with pytest.raises(OperationalError):
            engine.connect()
    finally:
        keyring.set_keyring(previous)
    assert seen.get("password") == "s3cret"
    assert "s3cret" not in str(engine.url)


def test_the_desktop_on_a_team_database_refuses_another_agents_name(team: Team) -> None:
    set_up(team)
    env = {**team.env(), "QT_QPA_PLATFORM": "offscreen"}
    refused = inbox("app", "--agent", team.login("alice"), "--db", team.url("bob"), env=env, check=False)
    assert_refused(refused, f"as {team.login('bob')}", team.login("alice"))


def test_a_table_a_later_migration_adds_works_for_agents_with_its_triggers(team: Team) -> None:
    """Default privileges: a change log that a trigger fills on every message works for bob too."""
    set_up(team)
    with team.sql(None) as owner:  # committed when the block ends
        owner.execute("CREATE TABLE later_log (seq bigserial PRIMARY KEY, message_id integer NOT NULL)")
        owner.execute(
            "CREATE FUNCTION later_log_note() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO later_log (message_id) VALUES (NEW.id); RETURN NEW; END $$"
        )
        owner.execute(
            "CREATE TRIGGER later_log_note AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION later_log_note()"
        )
    team.run("bob", "send", "--channel", "main", "--to", BOB_CUSTOMER, "hello from bob")
    with team.sql("bob") as conn:
        assert conn.execute("SELECT count(*) FROM later_log").fetchone() == (1,)


def test_agents_who_see_only_their_own_leave_the_background_work_to_the_team_daemon(team: Team, served) -> None:  # noqa: F811
    """`team init --agents-see own`: bob's login reads only free and his conversations, cannot run the
    background work (one clear line), and only an admin switches the setting back."""
    url, sid, token = served
    init = inbox(
        "team", "init", "--db", team.url(), "--admin", team.login("adm"), "--group-prefix", f"g{team.suffix}",
        "--agents-see", "own", "--password-stdin", env=team.env(), stdin="adm-secret\n",
    )  # fmt: skip
    assert "Agents see only their own and unassigned conversations" in init.stdout
    for who, role in (("alice", "supervisor"), ("bob", "agent")):
        team.run("adm", "agents", "add", team.login(who), "--role", role, "--password-stdin", stdin="pw\n")
    team.run(
        "adm", "channel", "add", "--name", "main", "--number", OUR, "--account-sid", sid,
        "--auth-token-env", "SIM_TOKEN", "--base-url", url, "--no-check",
    )  # fmt: skip
    env = {**team.env(), "SIM_TOKEN": token}
    for number in (ALICE_CUSTOMER, BOB_CUSTOMER):
        inbox("simulator", "text", "--url", url, "--from", number, "--to", OUR, "hello?", env=env)
    refused = inbox("sync", "--once", "--db", team.url("bob"), env=env, check=False)
    assert_refused(refused, "run it with an admin's or a service login")
    assert "Fetched 2 new message" in inbox("sync", "--once", "--db", team.url("adm"), env=env).stdout
    alices = conversation_of(team, "adm", ALICE_CUSTOMER)
    with team.sql("alice") as conn:  # a supervisor assigns it to herself
        conn.execute("UPDATE conversations SET assignee = %s WHERE id = %s", (team.login("alice"), alices))
    shown = json.loads(team.run("bob", "conversations", "--status", "all", "--json").stdout)
    assert [c["contact_phone"] for c in shown] == [BOB_CUSTOMER]  # the free one; alice's is not his to read

    assert_refused(team.run("bob", "team", "visibility", "all", check=False), "admin")
    assert "only their own" in team.run("bob", "team", "visibility").stdout
    assert "every conversation" in team.run("adm", "team", "visibility", "all").stdout
    shown = json.loads(team.run("bob", "conversations", "--status", "all", "--json").stdout)
    assert {c["contact_phone"] for c in shown} == {ALICE_CUSTOMER, BOB_CUSTOMER}
