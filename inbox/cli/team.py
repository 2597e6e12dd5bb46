"""`inbox team init|connect` and `inbox agents add|list|remove`: who is on the team, and how they sign in.

On a team database (PostgreSQL set up by `team init`) an agent is a database login: `agents add`
creates it, `team connect` keeps its password in the desktop's OS keyring, and the team URL that
is printed, typed and shared never holds a password. Passwords are read from stdin (like `docker
login --password-stdin`), never from the command line, where `ps` and shell history would show them.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from inbox.cli.command import CliError, database, emit, guarded
from inbox.core import typed_text


def read_password(args: argparse.Namespace, *, required: bool) -> str | None:
    """The password from stdin with `--password-stdin` (a prompt on a terminal); None without it."""
    if not getattr(args, "password_stdin", False):
        if required:
            raise CliError("give the password on stdin: add --password-stdin (e.g. `printf '%s\\n' \"$PW\" | inbox …`)")
        return None
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.read().rstrip("\r\n")
    if not password or "\n" in password:
        raise CliError("the password on stdin must be one non-empty line")
    return password


def _connect_lines(url: str) -> list[str]:
    return [
        f"  printf '%s\\n' \"$PASSWORD\" | inbox team connect --db {url} --password-stdin",
        f"  INBOX_DATABASE_URL={url} inbox app",
    ]


# -- team ------------------------------------------------------------------------------------------
def cmd_team_init(args: argparse.Namespace) -> int:
    from inbox.reports import team

    if not args.db:
        raise CliError("give the new team database's owner URL: --db postgresql+psycopg://OWNER@HOST/DATABASE")
    password = read_password(args, required=True)
    assert password is not None
    setup = team.init_team(args.db, args.admin, password, args.group_prefix, args.agents_see)
    admin_url = setup.url_for(setup.admin)
    agent_url = setup.url_for("NAME")

    def human() -> None:
        groups = ", ".join(setup.groups.all())
        print(f"Team database ready: groups {groups}; first admin {setup.admin}.")
        if args.agents_see == "own":
            print(
                "Agents see only their own and unassigned conversations: run `inbox daemon` with an admin's or a "
                "service login for the background work (agents' desktops do not do it)."
            )
        print(f"\n{setup.admin}, on your desktop (your password on stdin):")
        print("\n".join(_connect_lines(admin_url)))
        print("\nAdd each agent (role agent, supervisor or admin; their first password on stdin):")
        print(f"  printf '%s\\n' \"$PASSWORD\" | inbox agents add NAME --role agent --password-stdin --db {admin_url}")
        print("\nEach agent, on their desktop (NAME is their login):")
        print("\n".join(_connect_lines(agent_url)))

    emit(
        args,
        {
            "groups": list(setup.groups.all()),
            "admin": setup.admin,
            "admin_url": admin_url,
            "agent_url": agent_url,
            "agents_see": args.agents_see,
        },
        human,
    )
    return 0


def cmd_team_visibility(args: argparse.Namespace) -> int:
    from inbox.reports import team

    db = database(args)
    if args.agents_see is None:
        sees = team.agents_see(db)
    else:
        sees = team.set_visibility(db, args.agent, args.agents_see)
    said = {
        "all": "Agents see every conversation.",
        "own": "Agents see only their own and unassigned conversations; background work is the team daemon's "
        "(`inbox daemon` with an admin's or a service login).",
    }[sees.value]
    emit(args, {"agents_see": sees.value}, lambda: print(said))
    return 0


def cmd_team_connect(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from inbox.reports import team
    from inbox.store import logins
    from inbox.store.db import Database, resolve_url

    url = make_url(resolve_url(args.db))
    if url.get_backend_name() != "postgresql" or not url.username:
        raise CliError("give your team URL with your login: --db postgresql+psycopg://NAME@HOST/DATABASE")
    if url.password is not None:
        raise CliError("the team URL must not hold a password: remove it and give it on stdin (--password-stdin)")
    password = read_password(args, required=True)
    db = Database(url.set(password=password).render_as_string(hide_password=False))
    try:
        db.upgrade()
        agent = team.whoami(db)
    finally:
        db.dispose()
    if agent is None or not agent.active:
        raise CliError(f"{url.username} is not an active agent of a team database here (ask your admin)")
    try:
        logins.save_password(url, password)
    except logins.NoKeyring as exc:
        raise CliError(str(exc)) from None
    plain = url.render_as_string(hide_password=False)
    emit(
        args,
        {"agent": agent.name, "role": agent.role.value, "url": plain},
        lambda: print(
            f"Connected as {agent.name} ({agent.role.value}); the password is in this desktop's keyring.\n"
            f"Start Inbox with: INBOX_DATABASE_URL={plain} inbox app"
        ),
    )
    return 0


# -- agents ----------------------------------------------------------------------------------------
def cmd_agents_add(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from inbox.core.identity import Role
    from inbox.reports import team

    password = read_password(args, required=False)
    db = database(args)
    try:
        agent = team.add_agent(db, args.agent, args.name, Role(args.role), not args.inactive, password)
    except typed_text.InvalidText as exc:
        raise CliError(str(exc)) from None
    url = make_url(db.url)
    team_url = url.set(username=agent.name, password=None).render_as_string(hide_password=False) if password else None

    def human() -> None:
        print(f"{agent.name} is now {agent.role.value}{'' if agent.active else ' (inactive)'}")
        if team_url:
            print(f"On {agent.name}'s desktop, once (the password on stdin), then to start Inbox:")
            print("\n".join(_connect_lines(team_url)))

    emit(args, agent, human)
    return 0


def cmd_agents_list(args: argparse.Namespace) -> int:
    from inbox.reports import team

    found = team.list_agents(database(args), args.agent)

    def human() -> None:
        if not found:
            print("No agents defined: the local user is treated as admin. Add one with `inbox agents add`.")
        for a in found:
            print(f"{a.name:24} {a.role.value:11} {'active' if a.active else 'inactive'}")

    emit(args, found, human)
    return 0


def cmd_agents_remove(args: argparse.Namespace) -> int:
    from inbox.reports import team

    agent = team.remove_agent(database(args), args.agent, args.name)
    emit(args, agent, lambda: print(f"{agent.name} is off the team (inactive; no login)"))
    return 0


# -- parser ----------------------------------------------------------------------------------------
def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from inbox.core.identity import Role

    agents = sub.add_parser("agents", help="the team: agents, supervisors, admins", parents=[common])
    agents_sub = agents.add_subparsers(dest="agents_command", required=True)
    add = agents_sub.add_parser("add", help="add an agent or change a role (admins)", parents=[common])
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in Role], default=Role.AGENT.value)
    add.add_argument("--inactive", action="store_true", help="keep the name but refuse its access")
    add.add_argument(
        "--password-stdin", action="store_true", help="team database: the login's password, read from stdin"
    )
    add.set_defaults(func=guarded(cmd_agents_add))
    agents_sub.add_parser("list", help="who is who", parents=[common]).set_defaults(func=guarded(cmd_agents_list))
    remove = agents_sub.add_parser("remove", help="take an agent off the team (admins)", parents=[common])
    remove.add_argument("name")
    remove.set_defaults(func=guarded(cmd_agents_remove))

    team = sub.add_parser("team", help="a shared PostgreSQL team database", parents=[common])
    team_sub = team.add_subparsers(dest="team_command", required=True)
    init = team_sub.add_parser(
        "init", help="set up a new team database (run once, with the owner's URL)", parents=[common]
    )
    init.add_argument("--admin", required=True, metavar="NAME", help="the first admin's login")
    init.add_argument("--group-prefix", default="inbox", metavar="P", help="group roles P_agent… (default inbox)")
    init.add_argument("--password-stdin", action="store_true", help="the admin's password, read from stdin")
    init.add_argument(
        "--agents-see",
        choices=("all", "own"),
        default="all",
        help="all conversations (default) or only their own and unassigned ones, enforced by the database",
    )
    init.set_defaults(func=guarded(cmd_team_init))
    connect = team_sub.add_parser(
        "connect", help="check your login and keep its password in this desktop's keyring", parents=[common]
    )
    connect.add_argument("--password-stdin", action="store_true", help="your password, read from stdin")
    connect.set_defaults(func=guarded(cmd_team_connect))
    vis = team_sub.add_parser(
        "visibility", help="what agents' logins read: all conversations or their own (admins)", parents=[common]
    )
    vis.add_argument("agents_see", nargs="?", choices=("all", "own"), help="omit to show the current setting")
    vis.set_defaults(func=guarded(cmd_team_visibility))
