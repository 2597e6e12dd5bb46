"""The connect form for each provider: its own fields, its own connection test against the
simulator's dialect (✓, or a clear sentence for a wrong key), and a saved channel whose secret is
kept outside the database — through the same engine doors as `inbox channel add --provider`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from inbox.core import provider_forms
from inbox.engine import credentials, setup
from inbox.engine.service import InboxService
from inbox.simulator.server import SimulatorConfig, SimulatorServer
from inbox.store.db import Database
from inbox.ui.setup.wizard import SetupWizard, for_service
from tests.setup_thread import off_gui
from tests.ui.conftest import wait_ops


@dataclass(frozen=True)
class Case:
    provider: str
    account: str
    secret: str
    number: str
    labels: tuple[str, ...]  # the rows shown before Advanced, in order
    wrong_key: str  # the start of what a wrong key says


CASES = {
    "twilio": Case(
        "twilio",
        "AC" + "3f" * 16,
        "tok-twilio",
        "+15550001111",
        ("Provider", "Account SID", "Auth token", "Number", "Channel name", "Keep the auth token"),
        "Twilio rejected the credentials",
    ),
    "infobip": Case(
        "infobip",
        "",
        "key-infobip",
        "+919000000001",
        (
            "Provider",
            "Base URL",
            "API key",
            "Number",
            "Sender (DLT header)",
            "DLT principal entity ID",
            "Channel name",
            "Keep the API key",
        ),
        "Infobip rejected",
    ),
    "sinch": Case(
        "sinch",
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "tok-sinch",
        "+15550001111",
        ("Provider", "Service plan ID", "API token", "Region", "Number", "Channel name", "Keep the API token"),
        "Sinch rejected the service plan id or API token",
    ),
    "clicksend": Case(
        "clicksend",
        "acme",
        "key-clicksend",
        "+61411111111",
        ("Provider", "Username", "API key", "Number", "Channel name", "Keep the API key"),
        "ClickSend rejected",
    ),
}


@pytest.fixture
def database(sqlite_db: Database) -> Database:
    return sqlite_db


@pytest.fixture(params=sorted(CASES))
def case(request) -> Case:
    return CASES[request.param]


@pytest.fixture
def server(case: Case) -> Iterator[SimulatorServer]:
    config = SimulatorConfig(
        account_sid=case.account, auth_token=case.secret, numbers=(case.number,), dialect=case.provider
    )
    with SimulatorServer(config, host="127.0.0.1", port=0) as running:
        yield running


def _wizard(qtbot, db: Database, provider: str) -> SetupWizard:
    w = for_service(InboxService(db), allow_demo=False)
    qtbot.addWidget(w)
    w.form.set_keyring_available(False)  # as on this headless machine
    w.show()
    w.form.provider.setCurrentIndex(w.form.provider.findData(provider))  # as a person picks it
    return w


def _shown_labels(w: SetupWizard) -> list[str]:
    form = w.form._form
    labels = []
    for row in range(form.rowCount()):
        item = form.itemAt(row, form.ItemRole.LabelRole)
        field = form.itemAt(row, form.ItemRole.FieldRole)
        if item is None or item.widget() is None or field is None:
            continue
        if item.widget().isVisibleTo(w) and item.widget().text():
            labels.append(item.widget().text())
        if item.widget().text() == "Keep the " + w.form.spec.secret_name:
            break
    return labels


def _fill(w: SetupWizard, case: Case, url: str, secret: str) -> None:
    f = w.form
    if case.provider == "infobip":
        f.base_url.setText(url)
    else:
        f.sid.setText(case.account)
        f.advanced_button.setChecked(True)
        f.base_url.setText(url)
    f.token.setText(secret)
    f.number.setText(case.number)


def test_choosing_a_provider_shows_its_fields_in_its_words(qtbot, database, case):
    w = _wizard(qtbot, database, case.provider)
    assert _shown_labels(w) == list(case.labels)
    spec = provider_forms.form_for(case.provider)
    assert w.title.text() == spec.heading and w.where.text() == spec.intro
    assert w.form.handles_stop.isChecked() is setup.provider_answers_stop(case.provider)
    if case.provider == "sinch":
        from inbox.providers.sinch import REGIONS

        assert [w.form.region.itemData(i) for i in range(w.form.region.count())] == list(REGIONS)
    # what is asked for is what the channel needs: nothing typed → the provider's own sentence
    w.connect_button.click()
    first = spec.fields[0]
    assert w.form.result.text() == first.missing and w.form.result_role == "danger"


def test_the_connection_test_speaks_each_dialect(qtbot, database, case, server):
    w = _wizard(qtbot, database, case.provider)
    _fill(w, case, server.url, "wrong-key")
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result_role == "danger"
    assert w.form.result.text().startswith(case.wrong_key), w.form.result.text()

    w.form.token.setText(case.secret)
    w.form.test_button.click()
    wait_ops(qtbot)
    assert w.form.result.text().startswith("✓ Connected to 127.0.0.1"), w.form.result.text()
    assert w.form.result_role == "success"


def test_connect_saves_the_channel_and_keeps_the_secret_out_of_the_database(qtbot, database, case, server):
    w = _wizard(qtbot, database, case.provider)
    _fill(w, case, server.url, case.secret)
    if case.provider == "infobip":
        w.form.dlt_entity_id.setText("1201159100000000001")
    w.form.name.setText(f"{case.provider} desk")
    assert w.form.store_session.isChecked()
    w.connect_button.click()
    qtbot.waitUntil(lambda: w.choice == "channel", timeout=5000)
    ch = w.channel
    assert ch is not None and ch.provider == case.provider and ch.number == case.number
    assert ch.base_url == server.url
    expected_account = "127.0.0.1" if case.provider == "infobip" else case.account
    assert ch.account_sid == expected_account
    assert ch.auth_token_ref.startswith("env:" + credentials.SESSION_VAR_PREFIX)
    try:
        assert credentials.resolve(ch.auth_token_ref, ch.account_sid) == case.secret
        # the runner's own door works with what was saved
        assert off_gui(lambda: setup.check_connection(ch.account_sid, case.secret, ch.number, ch.base_url, ch.provider))
    finally:
        credentials.forget_in_process(ch.auth_token_ref[len("env:") :])

    def dump() -> str:
        with database.read() as s:
            return repr(
                [
                    s.execute(text(f"SELECT * FROM {t}")).all()
                    for t in ("channels", "audit_events", "channel_send_settings")
                ]
            )

    stored = off_gui(dump)
    assert case.secret not in stored and case.provider in stored
    if case.provider == "infobip":
        assert "1201159100000000001" in stored
