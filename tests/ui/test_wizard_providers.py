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
from inbox.ui.setup.token_prompt import TokenPrompt
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
    sim_account: str = ""  # the simulator's account, when the channel's account id is not it


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
    "textlocal": Case(
        "textlocal",
        "100001",  # the simulator's first inbox, on the first number
        "key-textlocal",
        "+919000000001",
        (
            "Provider",
            "API key",
            "Inbox ID",
            "Number",
            "Sender (DLT header)",
            "DLT principal entity ID",
            "Channel name",
            "Keep the API key",
        ),
        "Textlocal rejected the login",
        sim_account="owner@example.in",
    ),
    "android-gateway": Case(
        "android-gateway",
        "sms",
        "pw-123",
        "+919000000001",
        ("Provider", "Phone's address", "User", "Password", "Number", "Channel name", "Keep the password"),
        "The phone refused the user and password",
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
        account_sid=case.sim_account or case.account,
        auth_token=case.secret,
        numbers=(case.number,),
        dialect=case.provider,
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
    if f.spec.field("account") is not None:
        f.sid.setText(case.account)
    f.advanced_button.setChecked(True)  # where the base URL is, for most providers
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
    said = w.form.result.text()
    assert said.startswith("✓ Connected to") and "127.0.0.1" in said, said
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
    var = ch.auth_token_ref[len("env:") :]
    try:
        assert credentials.resolve(ch.auth_token_ref, ch.account_sid) == case.secret
        # the next session: the secret is asked for again in the provider's words and checked with it
        credentials.forget_in_process(var)
        assert setup.needs_session_token(ch)
        prompt = TokenPrompt(ch, setup.supply_session_token)
        qtbot.addWidget(prompt)
        spec = provider_forms.form_for(case.provider)
        assert prompt.windowTitle().lower() == f"{spec.secret_name} needed".lower()
        prompt.token.setText(case.secret)
        prompt.submit()
        qtbot.waitUntil(lambda: prompt.result() == prompt.DialogCode.Accepted, timeout=5000)
        assert credentials.resolve(ch.auth_token_ref, ch.account_sid) == case.secret
    finally:
        credentials.forget_in_process(var)

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


def test_another_provider_never_gets_the_first_ones_key(qtbot, database):
    w = _wizard(qtbot, database, "twilio")
    w.form.sid.setText("AC" + "3f" * 16)
    w.form.token.setText("twilio-secret")
    w.form.number.setText("+15550001111")
    w.form.provider.setCurrentIndex(w.form.provider.findData("sinch"))
    d = w.form.draft()
    assert (d.provider, d.account_sid, d.token, d.number) == ("sinch", "", "", "+15550001111")
    assert w.form.missing() == "Enter the service plan ID (it is on the Sinch dashboard's SMS ▸ APIs page)"


def test_each_form_fits_with_advanced_open_and_an_error_at_the_smallest_size(qtbot, database, case):
    from PySide6.QtCore import QPoint, QRect

    w = _wizard(qtbot, database, case.provider)
    w.form.advanced_button.setChecked(True)
    w.form.show_result("ClickSend rejected the username or API key (HTTP 401): check both", "danger")
    w.resize(w.minimumSize())
    qtbot.wait(50)
    f = w.form
    shown = [x for x in (*f.editors.values(), *f.helps.values(), f.name, f.handles_stop, f.result) if x.isVisible()]
    rect = {x: QRect(x.mapTo(f, QPoint(0, 0)), x.size()) for x in shown}
    overlaps = [
        (a.accessibleName(), b.accessibleName())
        for i, a in enumerate(shown)
        for b in shown[i + 1 :]
        if rect[a].intersects(rect[b])
    ]
    assert overlaps == []
    assert all(x.height() >= (x.heightForWidth(x.width()) if x.hasHeightForWidth() else 0) for x in shown)


def test_a_sinch_region_is_the_address_the_channel_keeps(database):
    from inbox.engine import channel_drafts
    from inbox.ui.setup.connect_form import ConnectDraft, engine_creator

    plan, var = "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "INBOX_TEST_SINCH_WIZ"
    draft = ConnectDraft("eu", plan, "tok", "+15550009999", store="session", env_var=var, provider="sinch", region="eu")
    assert channel_drafts.base_url_of(draft) == "https://eu.sms.api.sinch.com"
    try:
        ch = off_gui(lambda: engine_creator(InboxService(database), check=False)(draft))
        assert ch.base_url == "https://eu.sms.api.sinch.com" and ch.account_sid == plan
        assert not ch.provider_handles_opt_out  # Sinch's default: Inbox answers STOP
        # a second channel on the same number is refused and keeps no new secret
        with pytest.raises(setup.SetupRefused):
            off_gui(
                lambda: engine_creator(InboxService(database), check=False)(
                    ConnectDraft(
                        "again",
                        plan,
                        "typo",
                        "+15550009999",
                        store="session",
                        env_var=var,
                        provider="sinch",
                        region="eu",
                    )
                )
            )
        assert credentials.resolve(f"env:{var}", plan) == "tok"
    finally:
        credentials.forget_in_process(var)


def test_two_accounts_kept_for_the_session_never_share_a_secret():
    from inbox.engine import channel_drafts
    from inbox.ui.setup.connect_form import ConnectDraft

    a = ConnectDraft(
        "a", "", "k1", "+919000000001", "https://aaaa.api.infobip.com", store="session", provider="infobip"
    )
    b = ConnectDraft(
        "b", "", "k2", "+919000000002", "https://bbbb.api.infobip.com", store="session", provider="infobip"
    )
    names = {channel_drafts._session_var(d, channel_drafts.account_of(d)) for d in (a, b)}
    assert len(names) == 2 and all(n.startswith(credentials.SESSION_VAR_PREFIX) and n.isidentifier() for n in names)


def test_a_provider_added_to_the_registry_appears_with_its_own_fields(qtbot, database, monkeypatch):
    """A provider joins set-up by one ProviderForm (as Textlocal and the Android gateway did), no widget code."""
    from inbox.core.provider_forms import Field, ProviderForm

    monkeypatch.setattr(provider_forms, "_FORMS", dict(provider_forms._FORMS))
    provider_forms.register(
        ProviderForm(
            "acme-gateway",
            "Acme phone gateway",
            "Connect your Android phone",
            "Start the app's Local Server; its address, user and password are on its home screen.",
            (
                Field("base_url", "Phone's local address", "http://192.168.1.20:8080"),
                Field("account", "User", default="sms"),
                Field("secret", "Password", "Password"),
                Field("number", "The phone's number", "+1 555 000 1111"),
            ),
            secret_name="password",
            env_var="INBOX_PHONE_PW",
            answers_stop=False,
        )
    )
    w = _wizard(qtbot, database, "acme-gateway")
    assert _shown_labels(w) == [
        "Provider",
        "Phone's local address",
        "User",
        "Password",
        "The phone's number",
        "Channel name",
        "Keep the password",
    ]
    assert w.form.sid.text() == "sms" and w.title.text() == "Connect your Android phone"
    assert w.form.env_var.text() == "INBOX_PHONE_PW"
    assert w.form.missing() == "Enter the phone's local address"
    with pytest.raises(ValueError, match="unknown field keys"):
        provider_forms.register(ProviderForm("x", "X", "", "", (Field("pin", "PIN"),), "pin", "X", False))


def test_textlocal_without_an_inbox_id_is_told_its_inboxes_and_saves_nothing(qtbot, database):
    config = SimulatorConfig(
        account_sid="owner@example.in", auth_token="key-tl", numbers=("+919000000001",), dialect="textlocal"
    )
    with SimulatorServer(config, host="127.0.0.1", port=0) as server:
        w = _wizard(qtbot, database, "textlocal")
        w.form.token.setText("key-tl")
        w.form.number.setText("+919000000001")
        w.form.advanced_button.setChecked(True)
        w.form.base_url.setText(server.url)
        w.form.test_button.click()
        wait_ops(qtbot)
        assert w.form.result_role == "danger" and "100001 (+919000000001)" in w.form.result.text()
        w.connect_button.click()
        wait_ops(qtbot)
        assert w.choice is None and w.form.result.text().startswith("Enter the Textlocal inbox ID")
        assert not off_gui(lambda: setup.has_channel(database))
