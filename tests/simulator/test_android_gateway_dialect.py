"""The simulator's android-gateway dialect driven by the official Python client
(`android-sms-gateway`, capcom6/client-py) over loopback: if the dialect drifted from the app's
local server (a path, a field, a state name, the Basic login, the inbox's shape), the client's own
parsing would fail here."""

from __future__ import annotations

import datetime
import json
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from android_sms_gateway import client, domain, errors
from android_sms_gateway.enums import ProcessState

from inbox.simulator import cli
from inbox.simulator.client import SimulatorClient
from inbox.simulator.server import SimulatorServer
from tests.simulator.harness import config, wait_for

USER, PASSWORD = "sms", "Xk3pQ9aZ"
OURS = "+919000000001"
CUSTOMER = "+919876543210"


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    cfg = config(dialect="android-gateway", account_sid=USER, auth_token=PASSWORD, numbers=(OURS,), delivery_delay=0.05)
    with SimulatorServer(cfg) as server:
        yield server


@pytest.fixture
def sim(simulator: SimulatorServer) -> SimulatorClient:
    return SimulatorClient(simulator.url)


@pytest.fixture
def sdk(simulator: SimulatorServer) -> Iterator[client.APIClient]:
    with client.APIClient(USER, PASSWORD, base_url=simulator.url) as api:
        yield api


def test_the_sdk_sends_and_follows_the_state_to_delivered(sdk, sim) -> None:
    message = domain.Message(phone_numbers=[CUSTOMER], text_message=domain.TextMessage(text="नमस्ते, order 1042"))
    state = sdk.send(message)
    assert state.state is ProcessState.Pending and state.recipients[0].phone_number == CUSTOMER
    assert wait_for(lambda: sdk.get_state(state.id).state is ProcessState.Delivered)
    final = sdk.get_state(state.id)
    assert set(final.states or {}) == {"Pending", "Sent", "Delivered"}
    assert [m["body"] for m in sim.phone(CUSTOMER)] == ["नमस्ते, order 1042"]


def test_the_sdk_reads_the_inbox_with_its_filters_and_pages(sdk, sim) -> None:
    for n in range(3):
        sim.text(CUSTOMER, OURS, f"hi {n}")
    listed = sdk.list_inbox_messages()
    assert [(m.sender, m.content_preview, m.recipient) for m in listed] == [
        (CUSTOMER, f"hi {n}", OURS) for n in (2, 1, 0)
    ], "newest first, as the app's DAO orders them"
    again = sdk.list_inbox_messages()
    assert [m.id for m in again] == [m.id for m in listed], "reading consumes nothing"
    page = sdk.list_inbox_messages(pagination=domain.QueryPagination(limit=1, offset=1))
    assert [m.content_preview for m in page] == ["hi 1"]
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    window = domain.InboxQueryFilter(from_=later, to=later + datetime.timedelta(minutes=5))
    assert sdk.list_inbox_messages(inbox_filter=window) == []
    with pytest.raises(errors.BadRequestError):  # the app refuses a start after the end (now)
        sdk.list_inbox_messages(inbox_filter=domain.InboxQueryFilter(from_=later))


def test_a_wrong_password_is_401_and_an_unknown_message_404(simulator, sdk) -> None:
    with client.APIClient(USER, "wrong", base_url=simulator.url) as bad, pytest.raises(errors.UnauthorizedError):
        bad.list_inbox_messages()
    with pytest.raises(errors.NotFoundError):
        sdk.get_state("no-such-id")
    assert sdk.health_check().status.value == "pass"


def test_bad_requests_answer_the_apps_message_body(simulator) -> None:
    auth = (USER, PASSWORD)
    too_many = httpx.get(simulator.url + "/inbox", params={"limit": 501}, auth=auth)
    assert too_many.status_code == 400 and too_many.json() == {"message": "limit must be between 1 and 500"}
    empty = httpx.post(simulator.url + "/message", json={"phoneNumbers": [], "textMessage": {"text": "x"}}, auth=auth)
    assert empty.status_code == 400 and "message" in empty.json()
    body = {"id": "fixed-id-1", "phoneNumbers": [CUSTOMER], "textMessage": {"text": "once"}}
    assert httpx.post(simulator.url + "/message", json=body, auth=auth).status_code == 202, "the singular route too"
    assert httpx.post(simulator.url + "/messages", json=body, auth=auth).status_code == 409, "an id is sent once"
    assert httpx.get(simulator.url + "/inbox").status_code == 401


def test_served_from_the_cli_it_keeps_the_text_and_phone_commands_and_answers_no_stop(capsys) -> None:
    """`inbox simulator --dialect android-gateway`: `--account-sid` is the app's user, `--auth-token`
    its password; the phone's SIM answers no STOP (Inbox does)."""
    args = ["serve", "--dialect", "android-gateway", "--port", "0", "--account-sid", USER, "--auth-token", PASSWORD]
    proc = subprocess.Popen(
        [sys.executable, "-m", "inbox.simulator", *args, "--number", OURS, "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert cli.main(["text", "--url", url, "--from", CUSTOMER, "--to", OURS, "STOP"]) == 0
        capsys.readouterr()
        with client.APIClient(USER, PASSWORD, base_url=url) as api:
            assert [m.content_preview for m in api.list_inbox_messages()] == ["STOP"]
        assert cli.main(["phone", "--url", url, "--json", CUSTOMER]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state == {"number": CUSTOMER, "received": [], "opted_out_from": []}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
