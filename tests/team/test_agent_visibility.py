"""`inbox team init --agents-see own` / `inbox team visibility own`: an agent's login reads only the
conversations assigned to them or to nobody, and their customer data — whatever the client (psql,
`COPY`, the app); supervisors and admins read everything; with `all`, nothing changes.

The team of `test_role_enforcement` (admin `adm`, supervisor `alice`, agents `bob` and `carol`; one
free conversation, alice's and bob's), one customer message in each conversation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inbox.engine.service import ConversationFilter, SendRefused
from tests.team.team_database import fresh_database
from tests.team.test_role_enforcement import NOW, Team, _members_and_work, refused

pytestmark = pytest.mark.postgres


def _messages(made: Team) -> None:
    with made.sql(None) as conn:
        for conv in (made.free, made.alices, made.bobs):
            conn.execute(
                "INSERT INTO messages (conversation_id, channel_id, direction, body, status, encoding, num_segments,"
                " author_kind, from_number, to_number, masked, attempts, created_at, updated_at)"
                " VALUES (%s, %s, 'inbound', %s, 'received', 'GSM-7', 1, 'customer', '+15550000000', '+15551112222',"
                " false, 0, %s, %s)",
                (conv, made.channel_id, f"text of conversation {conv}", NOW, NOW),
            )


@pytest.fixture(params=["own"])
def team(request) -> Iterator[Team]:
    from inbox.reports import team as teams

    with fresh_database() as (database, suffix):
        made = Team(database, suffix)
        try:
            teams.init_team(made.url(), made.login("adm"), "pw", f"g{suffix}", agents_see=request.param)
            _members_and_work(made)
            _messages(made)
            yield made
        finally:
            for db in made.dbs.values():
                db.dispose()


def seen(team: Team, who: str | None, sql: str) -> set[int]:
    with team.sql(who) as conn:
        return {row[0] for row in conn.execute(sql)}


def copied(team: Team, who: str) -> str:
    with team.sql(who) as conn, conn.cursor() as cur:
        with cur.copy("COPY (SELECT conversation_id, body FROM messages) TO STDOUT") as copy:
            return b"".join(bytes(chunk) for chunk in copy).decode()


def test_own_bob_reads_by_sql_only_his_and_free_conversations(team: Team) -> None:
    mine = {team.free, team.bobs}
    assert seen(team, "bob", "SELECT id FROM conversations") == mine
    assert seen(team, "bob", "SELECT conversation_id FROM messages") == mine
    exported = copied(team, "bob")
    assert f"text of conversation {team.alices}" not in exported
    assert f"text of conversation {team.bobs}" in exported and f"text of conversation {team.free}" in exported
    with team.sql("bob") as conn:  # alice's customer is not his to read either
        phones = {r[0] for r in conn.execute("SELECT phone FROM contacts")}
        assert "+15551230001" not in phones and "+15551230002" in phones
        assert conn.execute("SELECT count(*) FROM messages WHERE body LIKE '%%conversation%%'").fetchone()[0] == 2
        conn.execute(f'SET ROLE "g{team.suffix}_agent"')  # as the group itself: still bob's reading
        assert {r[0] for r in conn.execute("SELECT conversation_id FROM messages")} == mine
        conn.execute("RESET ROLE")
        # nor can he change a row he cannot see
        conn.execute("UPDATE conversations SET unread_count = 7 WHERE id = %s", (team.alices,))
        conn.commit()
    with team.sql("adm") as conn:
        assert conn.execute("SELECT unread_count FROM conversations WHERE id = %s", (team.alices,)).fetchone()[0] != 7
    every = {team.free, team.alices, team.bobs}
    for who in ("alice", "adm"):  # a supervisor and an admin read everything
        assert seen(team, who, "SELECT conversation_id FROM messages") == every
    assert seen(team, "carol", "SELECT conversation_id FROM messages") == {team.free}


def test_own_every_table_with_customer_data_is_narrowed(team: Team) -> None:
    """A table with a conversation, message or contact column and no `team_visible` policy would be
    readable in full by an agent: a later migration must call `visibility.apply` again."""
    with team.sql(None) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND column_name IN ('conversation_id', 'message_id', 'contact_id') AND table_name <> 'change_log'"
            )
        } | {"conversations", "contacts", "quarantine", "provider_journal", "lookup_jobs"}
        covered = {r[0] for r in conn.execute("SELECT tablename FROM pg_policies WHERE policyname = 'team_visible'")}
    assert tables <= covered, tables - covered


def test_own_the_app_as_bob_lists_replies_and_picks_up_work(team: Team) -> None:
    from inbox.engine.leadership import Leadership

    bob = team.service("bob")
    listed = {c.id for c in bob.conversations_page(ConversationFilter(view="all"), 0, 50)}
    assert listed == {team.free, team.bobs}
    bob.send_reply(team.bobs, "On it")
    new = bob.send_to("main", "+15559999999", "Hello, this is bob")  # a new customer: his to start
    assert new.conversation_id in {c.id for c in bob.conversations_page(ConversationFilter(view="all"), 0, 50)}
    with pytest.raises(SendRefused, match="assigned to a colleague"):  # alice's customer: one clear line
        bob.send_to("main", "+15551230001", "Hi from bob")
    bob.assign(team.free, team.login("bob"))
    mine = {c.id for c in bob.conversations_page(ConversationFilter(view="mine"), 0, 50)}
    assert mine == {team.free, team.bobs}  # the new one stays free (no assign-on-reply here)
    # alice's supervisor hands bob's conversation to carol: it is gone from bob's list at the next read
    team.service("alice").assign(team.bobs, team.login("carol"))
    assert [c.id for c in bob.conversation_summaries([team.bobs])] == []
    # the background work is not an agent's here: bob's desktop waits for the team daemon
    lead = Leadership(team.db("bob"), period=5)
    assert not lead.renew() and lead.waits_for_daemon
    assert "waiting for the team daemon" in (bob.background_work() or "")
    assert Leadership(team.db("adm"), period=5).renew()  # the team daemon, run by an admin
    assert bob.background_work() == "Background work: done by the team daemon"
    assert team.service("alice").background_work() is None  # a supervisor's desktop may lead


def test_visibility_is_an_admins_switch_and_all_reads_everything(team: Team) -> None:
    from inbox.reports import team as teams
    from inbox.store.agents import PermissionDenied

    with pytest.raises(PermissionDenied):
        teams.set_visibility(team.db("alice"), team.login("alice"), "all")
    with team.sql("bob") as conn:  # nor by SQL: settings are an admin's
        import psycopg

        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE settings SET value = 'all' WHERE key = 'team_agents_see'")
    teams.set_visibility(team.db("adm"), team.login("adm"), "all")
    with team.sql(None) as conn:  # no condition left on any table: every query plans as before `own`
        assert conn.execute("SELECT count(*) FROM pg_policies WHERE policyname = 'team_visible'").fetchone()[0] == 0
    with team.sql("bob") as conn:  # nor may an agent call the owner's switch by SQL
        refused(conn, "SELECT team_agents_see('all', %s)", team.login("bob"))
    assert seen(team, "bob", "SELECT conversation_id FROM messages") == {team.free, team.alices, team.bobs}
    from inbox.engine.leadership import Leadership

    with team.sql("bob") as conn:  # search plans as before: the trigram index (with `own`, a scan)
        conn.execute("SET enable_seqscan = off")
        plan = " ".join(r[0] for r in conn.execute("EXPLAIN SELECT id FROM messages WHERE body ILIKE '%%conver%%'"))
        assert "ix_messages_body_trgm" in plan, plan
    assert Leadership(team.db("bob"), period=5).renew()  # today's behaviour: any desktop may lead
    assert team.service("bob").background_work() is None


def test_own_a_conversation_handed_away_leaves_bobs_desktop_live(team: Team, tmp_path) -> None:
    """bob's real main window (its own process, following the change feed as his login): alice, a
    supervisor, hands his conversation to carol; it leaves his list, and his window if open there."""
    from tests.team.follower import Follower

    follower = Follower(team.url("bob"), team.login("bob"), tmp_path)
    try:
        ids = lambda d: {r["id"] for r in d["rows"]}  # noqa: E731
        doc = follower.wait_for("bob's list", lambda d: ids(d) == {team.free, team.bobs} and d["open"], timeout=30)
        opened = doc["open"]
        team.service("alice").assign(opened, team.login("carol"))
        others = {team.free, team.bobs} - {opened}
        doc = follower.wait_for("the handed-away one gone", lambda d: ids(d) == others and d["open"] != opened)
        assert not any(f"conversation {opened}" in b["body"] for b in doc["bubbles"])
    finally:
        follower.close()
