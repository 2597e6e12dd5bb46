"""The sample package: the one writer keeps its promises, and the preview inbox shows every state."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.core.models import ConversationStatus, MessageStatus
from inbox.engine.sample import history
from inbox.engine.sample.conversations import DEMO, PREVIEW
from inbox.engine.sample.temporary import TemporaryInbox, preview_inbox
from inbox.engine.service import ConversationFilter

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_writing_the_same_scripts_twice_adds_nothing(tmp_path) -> None:
    with TemporaryInbox(tmp_path) as inbox:
        channel = inbox.add_channel()
        assert history.write(inbox.db, channel, DEMO, now=NOW) == len(DEMO)
        assert history.write(inbox.db, channel, DEMO, now=NOW) == 0
        svc = inbox.service()
        assert svc.conversations_count(ConversationFilter(view="all")) == len(DEMO)


def test_the_preview_inbox_holds_every_state_a_row_can_be_in(tmp_path) -> None:
    with preview_inbox(tmp_path, now=NOW) as inbox:
        svc = inbox.service()
        rows = svc.conversations_page(ConversationFilter(view="all"), 0, 100)
        assert len(rows) == len(PREVIEW)
        by_name = {r.contact_name: r for r in rows}
        assert by_name["Greg Lin"].opted_out
        assert by_name["Sofia Rossi"].failed_delivery
        assert by_name["Tom Becker"].verified
        assert by_name["Priya Natarajan"].flagged
        assert by_name["Noah Williams"].status is ConversationStatus.SNOOZED
        assert by_name["Maya Okafor"].assignee == "Dana" and by_name["Maya Okafor"].unread_count == 2
        tom = svc.thread_page(by_name["Tom Becker"].id)
        assert tom[0].masked and tom[-1].status is MessageStatus.SENDING
        assert svc.channel_health()[0].last_poll_ok_at is not None


def test_a_temporary_inbox_deletes_the_folder_it_made() -> None:
    inbox = TemporaryInbox()
    folder = inbox.folder
    assert (folder / "inbox.sqlite3").exists()
    inbox.close()
    assert not folder.exists()
