"""What the set-up form asks for each provider, in that provider's own words.

Why a registry of plain descriptions: the desktop's connect form draws its rows from a
``ProviderForm`` (no per-provider widget code), so adding a provider to set-up is adding one entry
here (``register``); the CLI's one-line "enter the ..." sentences can come from the same place. Qt-
and HTTP-free: the engine turns the answers into ``setup.add_channel`` / ``setup.check_connection``
arguments (``inbox/engine/channel_drafts.py``).

Field keys are the engine's: ``account`` (the channel's account id: Twilio SID, Sinch service plan
id, ClickSend username), ``secret`` (kept in the keyring or an environment variable, never the
database), ``number``, ``base_url``, ``region``, ``dlt_entity_id``, ``dlt_sender``.
"""

from __future__ import annotations

from dataclasses import dataclass

KEYS = ("account", "secret", "number", "base_url", "region", "dlt_entity_id", "dlt_sender")


@dataclass(frozen=True, slots=True)
class Field:
    """One row of the form. ``missing`` is the sentence shown when a required field is empty;
    ``choices`` (value, label) makes it a drop-down (``default``: the value chosen first);
    ``advanced`` rows sit under "Advanced"."""

    key: str
    label: str
    placeholder: str = ""
    help: str = ""
    required: bool = True
    missing: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    advanced: bool = False
    default: str = ""  # typed in for the person (the Android gateway app's user "sms")


@dataclass(frozen=True, slots=True)
class ProviderForm:
    """A provider's set-up form: the choice's label, the page's heading and where to find things,
    its fields in order, and defaults (environment variable for the secret, who answers STOP)."""

    provider: str
    label: str
    heading: str
    intro: str
    fields: tuple[Field, ...]
    secret_name: str
    env_var: str
    answers_stop: bool
    stop_label: str = "The provider answers it"

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def missing(self, values: dict[str, str]) -> str | None:
        """The first required field left empty, as the sentence to show; None when all are given.
        ``secret`` may be empty when it is read from an environment variable (``env`` in values)."""
        for f in self.fields:
            if not f.required or (values.get(f.key) or "").strip():
                continue
            if f.key == "secret" and values.get("store") == "env":
                continue
            return f.missing or f"Enter the {f.label.lower()}"
        return None


def _base_url(placeholder: str, hint: str) -> Field:
    return Field("base_url", "API base URL", placeholder, hint, required=False, advanced=True)


_FORMS: dict[str, ProviderForm] = {}


def register(form: ProviderForm) -> ProviderForm:
    """Add (or replace) a provider's form; the connect form's choice lists them in this order."""
    unknown = {f.key for f in form.fields} - set(KEYS)
    if unknown:
        raise ValueError(f"unknown field keys {sorted(unknown)} for {form.provider}")
    _FORMS[form.provider] = form
    return form


def form_for(provider: str) -> ProviderForm:
    """The provider's form; KeyError for one set-up cannot ask for (an entry-point adapter: the CLI)."""
    return _FORMS[provider]


def secret_name(provider: str) -> str:
    """What the provider calls the channel's secret ("auth token" for one set-up does not know)."""
    form = _FORMS.get(provider)
    return form.secret_name if form is not None else "auth token"


def all_forms() -> tuple[ProviderForm, ...]:
    return tuple(_FORMS.values())


register(
    ProviderForm(
        "twilio",
        "Twilio",
        "Connect your Twilio number",
        "Find the account SID and auth token on the Twilio console's home page (console.twilio.com). "
        "Inbox reads messages and sends replies; it never changes your account.",
        (
            Field(
                "account",
                "Account SID",
                "AC…",
                missing="Enter the account SID (it starts with AC, on the Twilio console's home page)",
            ),
            Field("secret", "Auth token", "Auth token", missing="Enter the auth token"),
            Field("number", "Number", "+1 555 000 1111", missing="Enter your Twilio number"),
            _base_url("https://api.twilio.com", "Only for Twilio-compatible providers or the simulator."),
        ),
        secret_name="auth token",
        env_var="INBOX_TWILIO_TOKEN",
        answers_stop=True,
        stop_label="The provider answers it (Twilio Advanced Opt-Out)",
    )
)
register(
    ProviderForm(
        "infobip",
        "Infobip",
        "Connect your Infobip number",
        "Your account's own base URL and an API key are on the Infobip portal's home page "
        "(portal.infobip.com ▸ Developers ▸ API keys). Set the number's inbound messages to be pulled.",
        (
            Field(
                "base_url",
                "Base URL",
                "https://xxxxxx.api.infobip.com",
                "Your account's own API address, shown next to your API keys.",
                missing="Enter the base URL of your Infobip account (it is on the portal's home page)",
            ),
            Field("secret", "API key", "API key", missing="Enter the API key"),
            Field("number", "Number", "+91 90000 00001", missing="Enter the number customers text"),
            Field(
                "dlt_sender",
                "Sender (DLT header)",
                "ACMEIN",
                "India only: the header registered on DLT to send from (empty: the number).",
                required=False,
            ),
            Field(
                "dlt_entity_id",
                "DLT principal entity ID",
                "1201159100000000001",
                "India only: your PE ID from the DLT portal; texts to +91 numbers then need a registered template.",
                required=False,
            ),
        ),
        secret_name="API key",
        env_var="INBOX_INFOBIP_KEY",
        answers_stop=False,
        stop_label="Infobip answers it (opt-out handling on)",
    )
)
register(
    ProviderForm(
        "sinch",
        "Sinch",
        "Connect your Sinch number",
        "The service plan ID and its API token are on the Sinch dashboard (dashboard.sinch.com ▸ SMS ▸ APIs), "
        "with the region the plan is hosted in.",
        (
            Field(
                "account",
                "Service plan ID",
                "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                missing="Enter the service plan ID (it is on the Sinch dashboard's SMS ▸ APIs page)",
            ),
            Field("secret", "API token", "API token", missing="Enter the API token"),
            Field(
                "region",
                "Region",
                help="Where the service plan lives, as the dashboard shows it.",
                choices=(
                    ("us", "United States (us)"),
                    ("eu", "Europe (eu)"),
                    ("au", "Australia (au)"),
                    ("br", "Brazil (br)"),
                    ("ca", "Canada (ca)"),
                ),
            ),
            Field("number", "Number", "+1 555 000 1111", missing="Enter your Sinch number"),
            _base_url("https://us.sms.api.sinch.com", "Replaces the region's address (the simulator)."),
        ),
        secret_name="API token",
        env_var="INBOX_SINCH_TOKEN",
        answers_stop=False,
        stop_label="Sinch or the carrier answers it",
    )
)
register(
    ProviderForm(
        "clicksend",
        "ClickSend",
        "Connect your ClickSend number",
        "Your username and API key are on the ClickSend dashboard's API Credentials page. "
        "Add an inbound rule with the action Poll for the number, so Inbox can read its texts.",
        (
            Field(
                "account",
                "Username",
                "you@example.com",
                missing="Enter the ClickSend username (it is on the dashboard's API Credentials page)",
            ),
            Field("secret", "API key", "API key", missing="Enter the API key"),
            Field(
                "number", "Number", "+61 411 111 111", "Your dedicated number.", missing="Enter your ClickSend number"
            ),
            _base_url("https://rest.clicksend.com", "Only for the simulator."),
        ),
        secret_name="API key",
        env_var="INBOX_CLICKSEND_KEY",
        answers_stop=False,
        stop_label="ClickSend answers it",
    )
)
register(
    ProviderForm(
        "textlocal",
        "Textlocal",
        "Connect your Textlocal number",
        "Your API key is on Textlocal's Settings ▸ API Keys page. The inbox ID is the inbox your texts "
        "arrive in: leave it empty and Test connection lists your inboxes and their numbers.",
        (
            Field("secret", "API key", "API key", missing="Enter the API key"),
            Field(
                "account",
                "Inbox ID",
                "188597",
                "Test connection lists your account's inboxes.",
                required=False,
                missing="Enter the Textlocal inbox ID (Test connection lists your inboxes)",
            ),
            Field("number", "Number", "+91 90000 00001", missing="Enter the inbox's number"),
            Field(
                "dlt_sender",
                "Sender (DLT header)",
                "ACMEIN",
                "India: the sender name approved by DLT and Textlocal (Textlocal checks the templates).",
                required=False,
            ),
            Field("dlt_entity_id", "DLT principal entity ID", "1201159100000000001", required=False),
            _base_url("https://api.textlocal.in", "api.txtlocal.com for a UK account, or the simulator."),
        ),
        secret_name="API key",
        env_var="INBOX_TL_API_KEY",
        answers_stop=False,
        stop_label="Textlocal answers it",
    )
)
register(
    ProviderForm(
        "android-gateway",
        "SMS Gateway for Android",
        "Connect your Android phone",
        "Open SMS Gateway for Android on the phone and start its Local Server: it shows the address, "
        "the user and the password. The phone must stay on, on this computer's network.",
        (
            Field(
                "base_url",
                "Phone's address",
                "http://192.168.1.5:8080",
                "As the app's Local Server shows it (plain http only on your private network).",
                missing="Enter the phone's address (the app's Local Server shows it, e.g. http://192.168.1.5:8080)",
            ),
            Field(
                "account",
                "User",
                "sms",
                missing="Enter the user set in the app's Local Server settings (the app's default is sms)",
                default="sms",
            ),
            Field("secret", "Password", "Password", missing="Enter the password the app shows"),
            Field("number", "Number", "+1 555 000 1111", "The phone's own number.", missing="Enter the phone's number"),
        ),
        secret_name="password",
        env_var="INBOX_PHONE_PW",
        answers_stop=False,
        stop_label="The phone answers it",
    )
)
