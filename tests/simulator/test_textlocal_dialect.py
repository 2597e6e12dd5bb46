"""The simulator's Textlocal dialect against Textlocal's documented examples (it has no official
Python SDK): the requests are the documentation's own (form POST and GET query, `apikey`,
`numbers` without '+', `sender`, `message`, `inbox_id`), the answers are checked for the keys
and types of the documented sample responses (docs/providers/textlocal/README.md)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from inbox.simulator import cli
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config, wait_for

KEY = "Your apiKey"
USER = "owner@example.in"
OURS = "+918123000001"
OTHER = "+918123000002"
CUSTOMER = "+918123456789"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    cfg = config(dialect="textlocal", auth_token=KEY, account_sid=USER, numbers=(OURS, OTHER), delivery_delay=0.05)
    with SimulatorServer(cfg) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


@pytest.fixture
def api(simulator: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.url) as client:
        yield client


def test_send_as_documented_answers_the_documented_shape_and_reaches_the_phone(api, sim) -> None:
    # The documentation's PHP example: POST apikey, numbers (comma separated), sender, message.
    answer = api.post(
        "/send/", data={"apikey": KEY, "numbers": "918123456789", "sender": "TXTLCL", "message": "This is your message"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "success"
    assert {"balance", "batch_id", "cost", "num_messages", "message", "receipt_url", "custom", "messages"} <= set(body)
    assert body["message"] == {"num_parts": 1, "sender": "TXTLCL", "content": "This is your message"}
    assert body["num_messages"] == 1 and isinstance(body["batch_id"], int)
    (entry,) = body["messages"]
    # Numeric id and recipient: shailahir/textlocal-api@ac21c8be .../api/model/SentMessage.java.
    assert entry["recipient"] == 918123456789 and isinstance(entry["id"], int) and body["test_mode"] is False
    assert wait_for(lambda: sim.phone(CUSTOMER))[0]["body"] == "This is your message"


def test_the_get_form_of_a_command_works_too(api) -> None:
    answer = api.get("/get_inboxes/", params={"apikey": KEY})
    assert answer.json()["status"] == "success"


def test_unicode_needs_unicode_true_or_the_phone_sees_question_marks(api, sim) -> None:
    api.post("/send/", data={"apikey": KEY, "numbers": "918123456789", "sender": "TXTLCL", "message": "नमस्ते ok"})
    api.post(
        "/send/",
        data={"apikey": KEY, "numbers": "918123456789", "sender": "TXTLCL", "message": "नमस्ते ok", "unicode": "true"},
    )
    bodies = wait_for(lambda: [m["body"] for m in sim.phone(CUSTOMER)] if len(sim.phone(CUSTOMER)) == 2 else None)
    assert bodies == ["?????? ok", "नमस्ते ok"]


def test_errors_are_http_200_with_the_documented_failure_body(api) -> None:
    bad = api.post("/send/", data={"apikey": "wrong", "numbers": "918123456789", "sender": "TXTLCL", "message": "x"})
    assert bad.status_code == 200
    assert bad.json() == {"errors": [{"code": 3, "message": "Invalid login details"}], "status": "failure"}
    none = api.post("/send/", data={"apikey": KEY, "sender": "TXTLCL", "message": "x"}).json()
    assert none["errors"][0]["code"] == 4 and none["status"] == "failure"
    long = api.post("/send/", data={"apikey": KEY, "numbers": "918123456789", "sender": "TXTLCL", "message": "x" * 767})
    assert long.json()["errors"][0] == {"code": 6, "message": "Message too long"}


def test_username_and_hash_log_in_as_the_documentation_allows(api) -> None:
    ok = api.post("/get_inboxes/", data={"username": USER, "hash": KEY}).json()
    assert ok["status"] == "success"
    bad = api.post("/get_inboxes/", data={"username": USER, "hash": "nope"}).json()
    assert bad["errors"][0]["code"] == 3


def test_get_inboxes_and_get_messages_have_the_documented_fields(api, sim) -> None:
    sim.text(CUSTOMER, OURS, "Hello world")
    sim.text(CUSTOMER, OTHER, "to the other number")
    inboxes = api.post("/get_inboxes/", data={"apikey": KEY}).json()
    assert inboxes["num_inboxes"] == 2
    box = inboxes["inboxes"][0]
    assert set(box) == {"id", "number", "keyword", "num_messages", "num_contacts", "newMsgs"}
    assert (box["number"], box["num_messages"]) == (918123000001, 1)
    listed = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": str(box["id"])}).json()
    assert listed["status"] == "success" and listed["num_messages"] == 1
    assert {"inbox_id", "min_time", "max_time", "sort_order", "sort_field", "start", "limit", "messages"} <= set(listed)
    (msg,) = listed["messages"]
    assert set(msg) == {"id", "number", "message", "date", "isNew", "status"}
    assert (msg["number"], msg["message"]) == (918123456789, "Hello world")
    assert len(msg["date"]) == 19 and msg["date"][10] == " "  # "2013-07-17 12:01:09"


def test_get_messages_is_read_again_and_filters_by_time_and_pages(api, sim) -> None:
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"m{n}")
    inbox = "100001"
    first = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": inbox}).json()
    again = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": inbox}).json()
    assert [m["id"] for m in first["messages"]] == [m["id"] for m in again["messages"]], "nothing is consumed"
    page = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": inbox, "start": 1, "limit": 1}).json()
    assert [m["message"] for m in page["messages"]] == ["m1"] and page["num_messages"] == 3
    later = int(time.time()) + 60
    empty = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": inbox, "min_time": later}).json()
    assert empty["messages"] == []
    desc = api.post("/get_messages/", data={"apikey": KEY, "inbox_id": inbox, "sort_order": "desc"}).json()
    assert [m["message"] for m in desc["messages"]] == ["m2", "m1", "m0"]
    assert api.post("/get_messages/", data={"apikey": KEY, "inbox_id": "999"}).json()["status"] == "failure"


def test_status_message_and_history_report_receipt_letters(api, sim) -> None:
    sent = api.post(
        "/send/", data={"apikey": KEY, "numbers": "918123456789", "sender": "TXTLCL", "message": "status?"}
    ).json()
    message_id = sent["messages"][0]["id"]

    seen: list[str] = []

    def letter() -> str | None:
        record = api.post("/status_message/", data={"apikey": KEY, "message_id": message_id}).json()["message"]
        seen.append(record["status"])
        return record["status"] if record["status"] == "D" else None

    assert wait_for(letter) == "D"
    # Only documented letters (api.txtlocal.com/docs/handlingreceipts: D, U, I or ?): no "P".
    assert set(seen) <= {"?", "D"}
    record = api.post("/status_message/", data={"apikey": KEY, "message_id": message_id}).json()["message"]
    # The sample answer of api.txtlocal.com/docs/messagereporting/messagestatus: numeric id and
    # recipient, "type": "sms", a "YYYY-MM-DD HH:MM:SS" date.
    assert set(record) == {"id", "recipient", "type", "status", "date"} and record["recipient"] == 918123456789
    assert record["id"] == message_id and record["type"] == "sms" and len(record["date"]) == 19
    api.post("/send/", data={"apikey": KEY, "numbers": "918123456780", "sender": "TXTLCL", "message": "other"})
    # The parameters Textlocal.class.php sends (scottybo/textlocal textlocal.class.php, getHistory):
    # no number filter, so both sends are listed, newest first, with a total.
    window = {"start": 0, "limit": 10, "min_time": int(time.time()) - 60, "max_time": int(time.time()) + 60}
    history = api.post("/get_history_single/", data={"apikey": KEY, "number": "918123456789", **window}).json()
    assert [(m["id"], m["number"], m["content"]) for m in history["messages"]][1:] == [
        (str(message_id), 918123456789, "status?")
    ]
    assert history["total"] == 2 and {"id", "number", "content", "datetime", "status"} <= set(history["messages"][0])


def test_served_from_the_cli_it_keeps_the_text_and_phone_commands_and_answers_no_stop(capsys) -> None:
    """`inbox simulator --dialect textlocal`: no account id needed, `--auth-token` is the API key,
    Textlocal answers no STOP itself (Inbox does), `text`/`phone` work unchanged."""
    args = ["serve", "--dialect", "textlocal", "--port", "0", "--auth-token", KEY, "--number", OURS, "--seed", "3"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "inbox.simulator", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert cli.main(["text", "--url", url, "--from", CUSTOMER, "--to", OURS, "STOP"]) == 0
        capsys.readouterr()
        listed = httpx.post(url + "/get_messages/", data={"apikey": KEY, "inbox_id": "100001"}).json()
        assert [(m["number"], m["message"]) for m in listed["messages"]] == [(918123456789, "STOP")]
        assert cli.main(["phone", "--url", url, "--json", CUSTOMER]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state == {"number": CUSTOMER, "received": [], "opted_out_from": []}, "Textlocal did not answer STOP"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
