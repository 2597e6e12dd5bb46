"""A team database enforces the roles on rows: direct SQL as an agent's login is refused what the
app refuses, and what the app and a leading desktop do as that login still works.

Each test sets a team up in its own PostgreSQL database (roles are server-wide: uniquely named,
dropped afterwards): admin `adm`, supervisor `alice`, agents `bob` and `carol`. `sql(who)` is a
psycopg connection as that login, the way any client holding the team URL could connect; the
app's side goes through the engine's and reports' own doors on a `Database` logged in as them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.presence import PresenceState
from inbox.store.db import Database
from tests.conftest import add_channel
from tests.team.team_database import TeamLogins, fresh_database

pytestmark = pytest.mark.postgres

NOW = datetime.now(UTC)


@dataclass
class Team(TeamLogins):
    dbs: dict[str, Database] = field(default_factory=dict)
    free: int = 0  # an unassigned conversation
    alices: int = 0
    bobs: int = 0
    channel_id: int = 0

    def db(self, who: str | None) -> Database:
        key = who or ""
        if key not in self.dbs:
            self.dbs[key] = Database(self.url(who))
        return self.dbs[key]

    def service(self, who: str):
        from inbox.engine.service import InboxService

        return InboxService(self.db(who), agent=self.login(who))


def _members_and_work(made: Team) -> None:
    """alice (supervisor), bob and carol (agents), a channel, and three conversations."""
    from inbox.reports import team as teams
    from inbox.store import contacts, conversations
    from inbox.store.agents import Role

    for who, role in (("alice", Role.SUPERVISOR), ("bob", Role.AGENT), ("carol", Role.AGENT)):
        teams.add_agent(made.db("adm"), made.login("adm"), made.login(who), role, password="pw")
    with made.db(None).write() as s:
        made.channel_id = add_channel(s).id
        ids = []
        for i, owner in enumerate((None, made.login("alice"), made.login("bob"))):
            contact = contacts.get_or_create(s, f"+1555123000{i}")
            conv = conversations.get_or_create(s, contact, made.channel_id, NOW)
            conversations.set_fields(s, conv, assignee=owner)
            ids.append(conv)
    made.free, made.alices, made.bobs = ids


@pytest.fixture
def team() -> Iterator[Team]:
    from inbox.reports import team as teams

    with fresh_database() as (database, suffix):
        made = Team(database, suffix)
        try:
            teams.init_team(made.url(), made.login("adm"), "pw", f"g{suffix}")
            _members_and_work(made)
            yield made
        finally:
            for db in made.dbs.values():
                db.dispose()


def refused(conn, sql: str, *params) -> None:
    """`sql` as this login fails with PostgreSQL's insufficient-privilege (42501), and changes nothing."""
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(sql, params)
    conn.rollback()


def assignee(team: Team, conversation_id: int) -> str | None:
    with team.sql("adm") as conn:
        return conn.execute("SELECT assignee FROM conversations WHERE id = %s", (conversation_id,)).fetchone()[0]


# -- assignment ----------------------------------------------------------------------------------
def test_bob_cannot_reassign_by_sql_what_the_app_does_not_let_an_agent_reassign(team: Team) -> None:
    bob, carol = team.login("bob"), team.login("carol")
    with team.sql("bob") as conn:
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", bob, team.alices)  # take alice's
        refused(conn, "UPDATE conversations SET assignee = NULL WHERE id = %s", team.alices)  # free alice's
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", carol, team.bobs)  # hand his over
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", carol, team.free)  # place a free one
        refused(conn, "UPDATE conversations SET assignee = %s", bob)  # all of them
        conn.execute("UPDATE conversations SET unread_count = 0")  # the rest of the row stays his to work
        conn.commit()
    assert [assignee(team, c) for c in (team.free, team.alices, team.bobs)] == [None, team.login("alice"), bob]

    with team.sql("bob") as conn:  # tables of his own, in front of the team's, change nothing
        conn.execute("CREATE TEMP TABLE assignment_policies (channel_id int, auto_assign bool, when_offline text)")
        conn.execute("INSERT INTO assignment_policies VALUES (%s, true, 'unassign')", (team.channel_id,))
        conn.execute("CREATE TEMP TABLE agents (name text, active bool)")
        conn.execute("INSERT INTO agents VALUES (%s, true)", (carol,))
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", carol, team.free)
    with team.sql("bob") as conn:  # what an agent may do, by SQL too
        conn.execute("UPDATE conversations SET assignee = %s WHERE id = %s", (bob, team.free))
        conn.execute("UPDATE conversations SET assignee = NULL WHERE id = %s", (team.bobs,))
    assert (assignee(team, team.free), assignee(team, team.bobs)) == (bob, None)


def test_bob_cannot_resolve_alices_conversation_by_sql_and_may_work_his_own(team: Team) -> None:
    from inbox.core.models import ConversationStatus

    with team.sql("bob") as conn:
        refused(conn, "UPDATE conversations SET status = 'resolved' WHERE id = %s", team.alices)
        refused(conn, "UPDATE conversations SET status = 'snoozed', snoozed_until = now() WHERE id = %s", team.alices)
        conn.execute("UPDATE conversations SET status = 'resolved' WHERE id IN (%s, %s)", (team.bobs, team.free))
        conn.execute("UPDATE conversations SET status = 'open' WHERE id = %s", (team.bobs,))
    team.service("alice").set_status(team.bobs, ConversationStatus.RESOLVED)  # a supervisor: anyone's
    with team.sql("adm") as conn:
        rows = conn.execute("SELECT id, status FROM conversations ORDER BY id").fetchall()
    assert dict(rows) == {team.free: "resolved", team.alices: "open", team.bobs: "resolved"}
    team.service("alice").set_status(team.alices, ConversationStatus.RESOLVED)
    with team.sql("bob") as conn:  # a customer's text reopens anyone's, whichever desktop stores it
        conn.execute("UPDATE conversations SET status = 'open' WHERE id = %s", (team.alices,))
    with team.sql("adm") as conn:
        assert conn.execute("SELECT status FROM conversations WHERE id = %s", (team.alices,)).fetchone() == ("open",)


def test_the_app_assigns_as_before_for_agents_and_supervisors(team: Team) -> None:
    bob, carol = team.login("bob"), team.login("carol")
    team.service("bob").assign(team.free, bob)  # take a free one
    team.service("bob").assign(team.bobs, None)  # let go of his own
    team.service("alice").assign(team.alices, carol)  # a supervisor reassigns anyone's
    team.service("alice").assign(team.free, carol)
    assert [assignee(team, c) for c in (team.free, team.alices, team.bobs)] == [carol, carol, None]


def test_a_desktop_led_by_an_agent_still_auto_assigns_and_returns_offline_work(team: Team) -> None:
    from inbox.engine import assignment
    from inbox.engine import presence as desk

    carol = team.login("carol")
    with team.sql("bob") as conn:  # before the channel says so, bob may not release alice's work
        refused(conn, "UPDATE conversations SET assignee = NULL WHERE id = %s", team.alices)
    assignment.configure(team.db("adm"), "main", auto_assign=True, when_offline="unassign", actor=team.login("adm"))
    desk.heartbeat(team.db("carol"), carol, "carol-desk", PresenceState.ONLINE, now=NOW)
    with team.db("bob").write() as s:  # bob's desktop leads: the ingest transaction assigns
        placed = assignment.assign_arrivals(s, team.channel_id, [team.free], NOW)
    assert placed == {team.free: carol}
    released = assignment.release_offline(team.db("bob"), NOW)  # alice has no desktop on
    assert team.alices in released and assignee(team, team.alices) is None
    with team.sql("bob") as conn:  # a channel's automation is no licence to take others' work
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", team.login("bob"), team.free)


def test_an_admins_keyword_rule_may_assign_when_an_agents_desktop_leads(team: Team) -> None:
    import json

    carol = team.login("carol")
    spec = {"action": {"kind": "assign", "assignee": carol}}
    with team.sql("adm") as conn:
        conn.execute(
            "INSERT INTO keyword_rules (name, version, enabled, priority, spec, updated_at, updated_by) "
            "VALUES ('vip', 1, true, 1, %s, now(), 'adm')",
            (json.dumps(spec),),
        )
    with team.sql("bob") as conn:  # the rule may move alice's to carol; bob may still not take it
        refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", team.login("bob"), team.alices)
        conn.execute("UPDATE conversations SET assignee = %s WHERE id = %s", (carol, team.alices))
    assert assignee(team, team.alices) == carol


# -- presence ------------------------------------------------------------------------------------
def test_bob_cannot_write_alices_presence(team: Team) -> None:
    from inbox.engine import presence as desk

    alice, bob = team.login("alice"), team.login("bob")
    desk.heartbeat(team.db("alice"), alice, "alice-desk", PresenceState.AWAY, now=NOW)
    desk.heartbeat(team.db("bob"), bob, "bob-desk", PresenceState.ONLINE, now=NOW)  # his own: fine
    with team.sql("bob") as conn:
        refused(
            conn,
            "INSERT INTO presence (session_id, agent, state, last_seen_at) VALUES ('fake', %s, 'online', now())",
            alice,
        )
        changed = conn.execute("UPDATE presence SET state = 'online' WHERE agent = %s", (alice,)).rowcount
        gone = conn.execute("DELETE FROM presence WHERE agent = %s", (alice,)).rowcount
        conn.execute("UPDATE presence SET agent = agent WHERE agent = %s", (bob,))  # his own row
        conn.commit()
    assert (changed, gone) == (0, 0)
    roster = {(p.agent, p.state) for p in desk.roster(team.db("carol"), now=NOW)}
    assert {(alice, PresenceState.AWAY), (bob, PresenceState.ONLINE)} <= roster


def test_a_leading_agent_still_forgets_rows_a_day_stale(team: Team) -> None:
    from inbox.engine import assignment
    from inbox.engine import presence as desk

    old = NOW - timedelta(days=2)
    desk.heartbeat(team.db("alice"), team.login("alice"), "alice-old", PresenceState.ONLINE, now=old)
    assignment.release_offline(team.db("bob"), NOW)
    with team.sql("adm") as conn:
        assert conn.execute("SELECT count(*) FROM presence").fetchone() == (0,)


# -- mentions ------------------------------------------------------------------------------------
def test_bob_cannot_record_mentions_for_alices_note_nor_mark_carols_seen(team: Team) -> None:
    bob, carol = team.login("bob"), team.login("carol")
    note = team.service("alice").add_note(team.alices, f"@{bob} and @{carol}: see this")
    with team.sql("bob") as conn:
        refused(conn, "INSERT INTO note_mentions (message_id, agent) VALUES (%s, %s)", note.id, team.login("adm"))
        marked = conn.execute("UPDATE note_mentions SET seen_at = now() WHERE agent = %s", (carol,)).rowcount
        refused(conn, "DELETE FROM note_mentions")
        conn.commit()
    assert marked == 0
    assert [m.message_id for m in team.service("carol").my_mentions()] == [note.id]
    assert team.service("bob").mark_mentions_seen(team.alices) == 1  # his own, through the app
    mine = team.service("bob").add_note(team.bobs, f"@{carol} over to you")  # his note records its mentions
    assert {m.message_id for m in team.service("carol").my_mentions()} == {note.id, mine.id}


# -- retention and erasure -----------------------------------------------------------------------
def test_bob_cannot_purge_or_erase_by_sql_and_the_admin_can_through_the_app(team: Team) -> None:
    from inbox.reports import privacy
    from inbox.store import retention

    reply = team.service("bob").send_reply(team.bobs, "your code is on its way")
    with team.sql(None) as conn:  # the customer's code attempt, as the owner stores it
        conn.execute("CREATE TEMP TABLE copy AS SELECT * FROM messages WHERE id = %s", (reply.id,))
        conn.execute(
            "UPDATE copy SET id = nextval('messages_id_seq'), direction = 'inbound', body = '123456', "
            "author_kind = 'customer', author = NULL"
        )
        code = conn.execute("INSERT INTO messages SELECT * FROM copy RETURNING id").fetchone()[0]
    with team.sql("bob") as conn:
        refused(conn, "UPDATE messages SET body = ''")  # the retention purge
        refused(conn, "UPDATE messages SET body = 'hello' WHERE id = %s", reply.id)
        refused(conn, "UPDATE contacts SET phone = 'erased:x'")  # erasure's rewrite
        refused(conn, "DELETE FROM list_memberships")
        refused(conn, "DELETE FROM verification_challenges")
        refused(conn, "TRUNCATE messages, note_mentions CASCADE")
        refused(conn, "SELECT rolname, rolpassword FROM pg_authid")  # other logins' password verifiers
        conn.execute("UPDATE messages SET body = '••••••', masked = true WHERE id = %s", (code,))  # masking: fine
        conn.execute("UPDATE contacts SET display_name = 'Pat'")  # renaming: fine
    with team.sql("alice") as conn:  # a supervisor neither
        refused(conn, "UPDATE messages SET body = ''")

    privacy.set_retention_days(team.db("adm"), team.login("adm"), 1)
    purged = privacy.purge(team.db("adm"), team.login("adm"), NOW + timedelta(days=3))
    assert purged is not None and purged.messages_purged == 1  # the masked attempt; a queued reply stays
    erased = privacy.erase_contact(team.db("adm"), team.login("adm"), "+15551230002")
    assert erased.messages_deleted == 2
    with team.db("adm").read() as s:
        assert retention.retention_days(s) == 1


# -- a team set up before these rules ------------------------------------------------------------
def test_the_migration_installs_the_rules_on_a_team_set_up_before_them(monkeypatch) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from inbox.reports import team as teams
    from inbox.store import row_rules, visibility
    from inbox.store.migrations import config

    with fresh_database() as (database, suffix):
        made = Team(database, suffix)
        try:
            owner = made.db(None)
            cfg = config(owner.engine)
            for head in ScriptDirectory.from_config(cfg).get_heads():
                if head not in ("0021_role_enforcement", "0025_agent_visibility"):  # 0025 needs 0021
                    command.upgrade(cfg, head)
            with monkeypatch.context() as m:  # what `team init` did before 0021 (and 0025)
                m.setattr(row_rules, "apply", lambda *_: None)
                m.setattr(visibility, "apply", lambda *_: None)
                m.setattr(visibility, "set_setting", lambda *_: None)
                m.setattr(owner, "upgrade", lambda: None)
                m.setattr(teams, "Database", lambda _url, db=owner: db)
                teams.init_team(made.url(), made.login("adm"), "pw", f"g{suffix}")
                _members_and_work(made)
                with made.sql("bob") as conn:  # the gap 0021 closes
                    taking = "UPDATE conversations SET assignee = %s WHERE id = %s"
                    conn.execute(taking, (made.login("bob"), made.alices))
                    conn.rollback()
            command.upgrade(cfg, "heads")
            with made.sql("bob") as conn:
                refused(conn, "UPDATE conversations SET assignee = %s WHERE id = %s", made.login("bob"), made.alices)
                refused(conn, "UPDATE contacts SET phone = 'erased:x'")
                assert len(conn.execute("SELECT id FROM conversations").fetchall()) == 3  # 0025: all, as before
            teams.set_visibility(made.db("adm"), made.login("adm"), "own")
            with made.sql("bob") as conn:  # 0025's policies, now narrowing
                assert {r[0] for r in conn.execute("SELECT id FROM conversations")} == {made.free, made.bobs}
        finally:
            for db in made.dbs.values():
                db.dispose()


def test_replying_assigns_an_agent_when_the_channel_says_so(team: Team) -> None:
    from inbox.engine import assignment

    assignment.configure(team.db("adm"), "main", assign_on_reply=True, actor=team.login("adm"))
    team.service("bob").send_reply(team.free, "on it")
    assert assignee(team, team.free) == team.login("bob")
