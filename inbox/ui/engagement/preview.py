"""Screenshots of the Engagement window (used by ``inbox.ui.screenshots``) on the sample package's
polls, contests, broadcasts and surveys, in a temporary inbox.
"""

from __future__ import annotations


def shoot(outdir, render, settle) -> list:
    """The Engagement window light and dark at 1440×900 and 1024×700: a live poll with its charts,
    a broadcast mid-send, a contest after its draw, survey responses, CSAT and the New broadcast
    dialog. ``render``/``settle`` come from inbox.ui.screenshots (passed in, so no import cycle)."""
    import tempfile
    from pathlib import Path

    from inbox.engine.sample import engagement
    from inbox.engine.sample.temporary import TemporaryInbox
    from inbox.ui import theme
    from inbox.ui.application import ensure_app
    from inbox.ui.engagement.window import EngagementWindow

    app = ensure_app()
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="inbox-engagement-shots-") as folder:
        inbox = TemporaryInbox(Path(folder))  # the screenshot process blocks freely: no event loop yet
        engagement.seed(inbox.db)
        for dark in (False, True):
            theme.apply_theme(app, dark=dark)
            scheme = "dark" if dark else "light"
            for w, h in ((1440, 900), (1024, 700)):
                win = EngagementWindow(inbox.service("Dana"))
                win.resize(w, h)
                win.show()
                settle()
                shots = (
                    ("polls", 1, "polls"),
                    ("polls", 2, "polls-closed"),
                    ("broadcasts", 1, "broadcasts"),
                    ("contests", 0, "contests"),
                    ("surveys", 1, "surveys"),
                    ("surveys", 0, "csat"),
                )
                for page, row, name in shots:
                    win.show_page(page)
                    settle()
                    win.pages[page].list.setCurrentRow(row)
                    settle()
                    made.append(render(win, Path(outdir) / f"engagement-{scheme}-{w}x{h}-{name}.png"))
                if (w, h) == (1440, 900):
                    win.show_page("broadcasts")
                    settle()
                    win.broadcasts.new_broadcast()
                    settle()
                    dialog = win.broadcasts.new_dialog
                    dialog.text.setPlainText(
                        "Flash sale ’til Sunday: 2 pints for $12 with code PINTS. Reply STOP to opt out."
                    )
                    dialog.refresh_preview()
                    settle()
                    made.append(render(dialog, Path(outdir) / f"engagement-{scheme}-new-broadcast.png"))
                    dialog.close()
                win.close()
        inbox.close()
    return made
