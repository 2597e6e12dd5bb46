"""The Textlocal adapter fed the shapes that public material documents (no official SDK exists):
each payload below is paraphrased from a named source (repository, path, commit, or Textlocal's
own page), with our own values; docs/providers/textlocal/README.md says what each one verifies.
The simulator's side (get_history_single with no number filter) is in
test_textlocal_against_simulator.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from inbox.core.models import MessageStatus, OutboundRequest
from inbox.providers.base import AuthenticationFailed, Rejected
from inbox.providers.textlocal import TextlocalProvider

KEY = "tl-key"
OURS = "+919000000001"
CUSTOMER = "+919876543210"
INBOX = "100001"


def _replying(*bodies: dict[str, object]) -> tuple[TextlocalProvider, list[dict[str, str]]]:
    """A provider whose Textlocal answers `bodies` in turn; the forms it sent are recorded."""
    asked: list[dict[str, str]] = []
    queue = list(bodies)

    def answer(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        asked.append({"command": request.url.path, **form})
        return httpx.Response(200, json=queue.pop(0))

    transport = httpx.MockTransport(answer)
    return TextlocalProvider(KEY, INBOX, OURS, base_url="http://t.test", transport=transport, page_limit=2), asked


def test_the_documented_error_body_is_a_failure_with_its_code() -> None:
    # Shape of the example on api.textlocal.in/docs (API Introduction, "Errors"): HTTP 200,
    # "status": "failure", "errors": [{"code": 2, "message": "Unrecognised command"}].
    provider, _ = _replying({"errors": [{"code": 2, "message": "Unrecognised command"}], "status": "failure"})
    with pytest.raises(Rejected, match="error 2: Unrecognised command") as info:
        provider.send(OutboundRequest(CUSTOMER, OURS, "x"))
    assert info.value.code == 2
    # Code 3 "Invalid login details": shailahir/textlocal-api@ac21c8be,
    # src/main/java/com/shailahir/apps/textlocal/api/constants/TextlocalConstants.java.
    provider, _ = _replying({"errors": [{"code": 3, "message": "Invalid login details."}], "status": "failure"})
    with pytest.raises(AuthenticationFailed):
        provider.check()


def test_a_failure_naming_only_warnings_is_explained_by_the_warning() -> None:
    # Responses carry "warnings" beside "errors", both [{code, message}]:
    # lindar-open/textlocal-java-client@351b1a93, src/main/java/com/lindar/textlocal/vo/TextlocalResponse.java.
    provider, _ = _replying({"warnings": [{"code": 51, "message": "No valid numbers specified"}], "status": "failure"})
    with pytest.raises(Rejected, match="error 51: No valid numbers specified"):
        provider.send(OutboundRequest(CUSTOMER, OURS, "x"))


def test_a_send_answer_with_numeric_ids_is_read() -> None:
    # Fields and types of shailahir/textlocal-api@ac21c8be, .../api/model/MessageSentResponse.java,
    # SentMessage.java (id int, recipient long) and SentMessageMetadata.java (num_parts, sender, content);
    # the send fixture of n7st/netsplit-textlocal@d592803e tests/Unit/Factory/SMS/ResponseFactoryTest.php
    # has the same keys (recipient there a string).
    provider, asked = _replying(
        {
            "test_mode": False,
            "balance": 1162,
            "batch_id": 123456789,
            "cost": 2,
            "num_messages": 1,
            "message": {"num_parts": 2, "sender": "TXTLCL", "content": "a long text"},
            "receipt_url": "",
            "custom": "",
            "messages": [{"id": 1151346216, "recipient": 919876543210}],
            "status": "success",
        }
    )
    sent = provider.send(OutboundRequest(CUSTOMER, OURS, "a long text"))
    assert (sent.provider_message_id, sent.num_segments, sent.status) == ("1151346216", 2, MessageStatus.QUEUED)
    assert asked[0]["command"] == "/send/" and asked[0]["numbers"] == "919876543210"


def test_history_rows_of_other_numbers_are_not_taken_for_ours_and_pages_are_followed() -> None:
    # get_history_single is asked with start, limit, min_time, max_time: Textlocal's PHP class,
    # scottybo/textlocal@a397cd07 textlocal.class.php (getSingleMessageHistory, getHistory).
    # Rows are read as id, number, content, datetime, status beside a "total": a public
    # CodeIgniter controller reading api.textlocal.in/get_history_single/, and
    # lindar-open/textlocal-java-client@351b1a93 TextlocalGroupMessageHistoryResponse.java
    # (start, limit, total; "yyyy-MM-dd HH:mm:ss" datetimes).
    sent_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    when = sent_at.strftime("%Y-%m-%d %H:%M:%S")

    def row(message_id: int, number: int, letter: str) -> dict[str, object]:
        return {"id": message_id, "number": number, "content": "Your order shipped", "datetime": when, "status": letter}

    provider, asked = _replying(
        {"start": 0, "limit": 2, "total": 3, "messages": [row(3, 919876500000, "D"), row(2, 919876543210, "D")]},
        {"start": 2, "limit": 2, "total": 3, "messages": [row(1, 919876543210, "?")]},
    )
    found = provider.find_sent(CUSTOMER, sent_at)
    assert [(m.provider_message_id, m.to_number, m.status) for m in found] == [
        ("2", CUSTOMER, MessageStatus.DELIVERED),
        ("1", CUSTOMER, MessageStatus.SENT),
    ]
    assert found[0].date_created == sent_at
    assert [(a["command"], a["start"], a["limit"]) for a in asked] == [
        ("/get_history_single/", "0", "2"),
        ("/get_history_single/", "2", "2"),
    ]
    assert {"min_time", "max_time"} <= set(asked[0])


@pytest.mark.parametrize(
    ("letter", "status", "says"),
    [
        ("D", MessageStatus.DELIVERED, None),
        ("?", MessageStatus.SENT, None),
        ("U", MessageStatus.UNDELIVERED, "phone was off"),
        ("E", MessageStatus.UNDELIVERED, "validity"),
        ("I", MessageStatus.FAILED, "Invalid number"),
    ],
)
def test_the_documented_receipt_letters(letter, status, says) -> None:
    # Letters of api.txtlocal.com/docs/handlingreceipts ("D, U, I or ?") and of textlocal.com's
    # knowledge base "Checking your delivery receipts" (E), in the body of the sample answer on
    # api.txtlocal.com/docs/messagereporting/messagestatus: {"message": {id, recipient (numbers),
    # "type": "sms", status, "date": "YYYY-MM-DD HH:MM:SS"}, "status": "success"}.
    record = {"id": 7, "recipient": 919876543210, "type": "sms", "status": letter, "date": "2026-12-01 10:00:00"}
    provider, asked = _replying({"message": record, "status": "success"})
    (found,) = provider.fetch_status(["7"])
    assert found.status is status
    assert (found.error_message is None) if says is None else (says in str(found.error_message))
    assert (asked[0]["command"], asked[0]["message_id"]) == ("/status_message/", "7")


def test_the_documented_get_inboxes_answer_is_read() -> None:
    # Shape of the sample answer on api.txtlocal.com/docs/inboundmessages/getinboxes: numeric id
    # and number, keyword a string or null, num_messages, num_contacts, newMsgs.
    box = {"id": 208872, "number": 447123456789, "keyword": None, "num_messages": 3, "num_contacts": 2, "newMsgs": 1}
    provider, asked = _replying({"num_inboxes": 1, "inboxes": [box], "status": "success"})
    assert provider.check() == [box]
    assert asked[0]["command"] == "/get_inboxes/" and asked[0]["apikey"] == KEY
