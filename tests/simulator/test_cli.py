"""`python -m inbox.simulator` and the hooks the app's CLI mounts."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys

import pytest

from inbox.core.models import PollCursor
from inbox.simulator import cli
from inbox.simulator.client import SimulatorClient
from tests.simulator.harness import ACCOUNT, CUSTOMER, OURS, wait_for


def test_serve_text_phone_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "inbox.simulator",
            "serve",
            "--port",
            "0",
            "--account-sid",
            ACCOUNT,
            "--auth-token",
            "t",
            "--number",
            OURS,
            "--delivery-delay",
            "0.05",
            "--seed",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert cli.main(["text", "--url", url, "--from", CUSTOMER, "--to", OURS, "HELP"]) == 0
        assert capsys.readouterr().out.startswith("SM")
        assert wait_for(lambda: SimulatorClient(url).phone(CUSTOMER))
        assert cli.main(["phone", "--url", url, "--json", CUSTOMER]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state["received"][0]["body"].startswith("Reply STOP to unsubscribe")
        assert cli.main(["phone", "--url", url, CUSTOMER]) == 0
        assert "1 message(s) received" in capsys.readouterr().out
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


def test_mounted_without_subcommand_serves() -> None:
    parser = argparse.ArgumentParser(prog="inbox")
    sub = parser.add_subparsers(dest="command")
    cli.add_arguments(sub)
    args = parser.parse_args(
        [
            "simulator",
            "--port",
            "8765",
            "--account-sid",
            ACCOUNT,
            "--auth-token",
            "T",
            "--number",
            OURS,
            "--fail-rate",
            "0.1",
        ]
    )
    assert args.sim_command is None and args.port == 8765 and args.number == [OURS]
    assert args.func is cli.run
    config = cli._config(args)
    assert config.numbers == (OURS,) and config.faults.fail_rate == 0.1 and config.opt_out_handling


def test_serve_needs_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="inbox simulator")
    cli.build_parser(parser)
    with pytest.raises(SystemExit):
        cli.run(parser.parse_args(["--port", "0"]))
    assert "--account-sid" in capsys.readouterr().err


def test_text_to_unreachable_simulator_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["text", "--url", "http://127.0.0.1:9", "--from", CUSTOMER, "--to", OURS, "hi"]) == 1
    assert "error" in capsys.readouterr().err


def test_serve_speaks_infobip_with_the_same_text_and_phone_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """`--dialect infobip`: no account SID needed, `--auth-token` is the API key, STOP is not answered
    by the provider (Infobip's default), and `text`/`phone` work unchanged."""
    from infobip_api_client import ApiClient, Configuration
    from infobip_api_client.api.sms_api import SmsApi

    args = ["serve", "--dialect", "infobip", "--port", "0", "--auth-token", "key", "--number", OURS, "--seed", "3"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "inbox.simulator", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert cli.main(["text", "--url", url, "--from", CUSTOMER, "--to", OURS, "STOP"]) == 0
        capsys.readouterr()
        inbound = SmsApi(ApiClient(Configuration(host=url, api_key="key"))).get_inbound_sms_messages(limit=5)
        assert [(m.var_from, m.text) for m in inbound.results] == [(CUSTOMER.lstrip("+"), "STOP")]
        assert cli.main(["phone", "--url", url, "--json", CUSTOMER]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state == {"number": CUSTOMER, "received": [], "opted_out_from": []}, "Infobip did not answer STOP"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


@pytest.mark.parametrize("dialect", ["sinch", "clicksend"])
def test_serving_sinch_or_clicksend_needs_the_account_they_name(
    dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["serve", "--dialect", dialect, "--auth-token", "t", "--number", OURS])
    assert raised.value.code != 0 and "--account-sid" in capsys.readouterr().err


@pytest.mark.parametrize("dialect", ["sinch", "clicksend"])
def test_serve_speaks_sinch_and_clicksend_with_the_same_text_and_phone_commands(
    dialect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--dialect sinch|clicksend`: `--account-sid` is the service plan id / the username,
    `--auth-token` the token / API key; STOP is not answered by the provider by default."""
    args = ["serve", "--dialect", dialect, "--port", "0", "--account-sid", "plan1", "--auth-token", "key"]
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
        if dialect == "sinch":
            from inbox.providers.sinch import SinchProvider

            provider = SinchProvider("plan1", "key", OURS, base_url=url)
        else:
            from inbox.providers.clicksend import ClickSendProvider

            provider = ClickSendProvider("plan1", "key", OURS, base_url=url)
        assert [m.body for m in provider.fetch_inbound(PollCursor()).messages] == ["STOP"]
        provider.close()
        assert cli.main(["phone", "--url", url, "--json", CUSTOMER]) == 0
        state = json.loads(capsys.readouterr().out)
        assert state == {"number": CUSTOMER, "received": [], "opted_out_from": []}, "the provider did not answer STOP"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
