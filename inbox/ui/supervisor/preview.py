"""Screenshots of the Supervisor view (used by ``inbox.ui.screenshots``) on thirty days of the sample
package's team traffic, in a temporary inbox.
"""

from __future__ import annotations


def shoot(outdir, render, settle) -> list:
    """The Supervisor view light and dark at 1440×900 and 1024×700: overview, review queue with a
    thread open, the export dialog mid-way, and the agent's refusal. ``render``/``settle`` come from
    inbox.ui.screenshots (passed in so this module does not import it)."""
    import tempfile
    from pathlib import Path

    from inbox.engine.sample import team as team_traffic
    from inbox.engine.sample.temporary import TemporaryInbox
    from inbox.reports import review, team
    from inbox.reports.team import Role
    from inbox.ui import theme
    from inbox.ui.application import ensure_app
    from inbox.ui.supervisor.window import SupervisorWindow

    app = ensure_app()
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="inbox-supervisor-shots-") as folder:
        inbox = TemporaryInbox(Path(folder), agent="Lee")  # the screenshot process blocks freely
        main = inbox.add_channel("support", provider_handles_opt_out=True, help_text="")
        db = inbox.db
        team_traffic.seed(db, main)
        slow = review.queue(db, "Lee", review.ReviewFilter(limit=1))
        if slow:
            review.add_note(db, "Lee", slow[0].conversation.id, "Long wait on the second answer — coach on handovers.")
        for name, role in (("Lee", Role.ADMIN), ("Dana", Role.AGENT)):
            team.add_agent(db, "Lee", name, role)
        service = inbox.service("Lee")
        for dark in (False, True):
            theme.apply_theme(app, dark=dark)
            scheme = "dark" if dark else "light"
            for w, h in ((1440, 900), (1024, 700)):
                win = SupervisorWindow(service)
                win.resize(w, h)
                win.show()
                settle(6.0)
                win.filters.set_period("30d")
                settle(6.0)
                made.append(render(win, Path(outdir) / f"supervisor-{scheme}-{w}x{h}.png"))
                win.show_page(1)
                settle(6.0)
                win.open_thread(0)
                settle(6.0)
                made.append(render(win, Path(outdir) / f"supervisor-{scheme}-{w}x{h}-review.png"))
                win.close()
            win = SupervisorWindow(service)
            win.resize(1440, 900)
            win.show()
            settle(6.0)
            dialog = win.open_export()
            if dialog is not None:
                dialog.path.setText(str(Path(folder) / "inbox-messages.csv"))
                dialog.bar.setVisible(True)
                dialog.bar.setRange(0, 48_000)
                dialog.bar.setValue(20_000)
                dialog.status.setText("Exporting… 20,000 of 48,000 rows")
                made.append(render(dialog, Path(outdir) / f"supervisor-{scheme}-export.png"))
                dialog.close()
            win.close()
            denied = SupervisorWindow(inbox.service("Dana"))
            denied.resize(1024, 700)
            made.append(render(denied, Path(outdir) / f"supervisor-{scheme}-agent-refused.png"))
            denied.close()
        inbox.close()
    return made
