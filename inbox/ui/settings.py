"""Where the desktop keeps its preferences (splitter sizes, send key, canned replies, sound).

Why: one constructor so tests can redirect every read and write with ``QSettings.setPath``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

DEFAULT_CANNED = (
    "Thanks for reaching out! Let me look into this for you.",
    "Could you send us your order number, please?",
    "Your order has shipped; tracking is on its way by text.",
    "Is there anything else I can help you with today?",
)


def app_settings() -> QSettings:
    """An INI file in the user's config dir (redirected to a temp dir in tests)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Inbox", "inbox")


def send_with_ctrl_enter(settings: QSettings | None = None) -> bool:
    """``composer/send_key`` = "enter" (default: Enter sends) or "ctrl+enter"."""
    s = settings or app_settings()
    return str(s.value("composer/send_key", "enter")).lower() == "ctrl+enter"


def canned_replies(settings: QSettings | None = None) -> list[str]:
    s = settings or app_settings()
    value = s.value("composer/canned")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        return [str(v) for v in value]
    return list(DEFAULT_CANNED)


# -- preferences the Settings dialog edits ---------------------------------------------------------
THEMES = ("system", "light", "dark")


def _flag(s: QSettings, key: str, default: bool) -> bool:
    return str(s.value(key, "true" if default else "false")).lower() == "true"


def set_send_with_ctrl_enter(value: bool, settings: QSettings | None = None) -> None:
    (settings or app_settings()).setValue("composer/send_key", "ctrl+enter" if value else "enter")


def set_canned_replies(replies: list[str], settings: QSettings | None = None) -> None:
    """Store the canned replies (blank lines dropped); an empty list restores the defaults."""
    s = settings or app_settings()
    clean = [r.strip() for r in replies if r.strip()]
    if clean:
        s.setValue("composer/canned", clean)
    else:
        s.remove("composer/canned")


def theme_choice(settings: QSettings | None = None) -> str:
    """``appearance/theme``: "system" (follow the OS, the default), "light" or "dark"."""
    value = str((settings or app_settings()).value("appearance/theme", "system")).lower()
    return value if value in THEMES else "system"


def forced_dark(choice: str) -> bool | None:
    """What ``theme.apply_theme(dark=...)`` takes: None follows the system."""
    return {"light": False, "dark": True}.get(choice)


def set_theme_choice(choice: str, settings: QSettings | None = None) -> None:
    (settings or app_settings()).setValue("appearance/theme", choice if choice in THEMES else "system")


def desktop_notifications(settings: QSettings | None = None) -> bool:
    """``notifications/desktop``: pop a notification when a text arrives and the window is in the background."""
    return _flag(settings or app_settings(), "notifications/desktop", True)


def notification_sound(settings: QSettings | None = None) -> bool:
    """``notifications/sound`` (read by the notifier at each notification)."""
    return _flag(settings or app_settings(), "notifications/sound", False)


def set_notifications(desktop: bool, sound: bool, settings: QSettings | None = None) -> None:
    s = settings or app_settings()
    s.setValue("notifications/desktop", "true" if desktop else "false")
    s.setValue("notifications/sound", "true" if sound else "false")


def agent_name(settings: QSettings | None = None) -> str | None:
    """``agent/name``: the name recorded on replies by `inbox app` when --agent is not given."""
    value = str((settings or app_settings()).value("agent/name", "") or "").strip()
    return value or None


def set_agent_name(name: str, settings: QSettings | None = None) -> None:
    s = settings or app_settings()
    if name.strip():
        s.setValue("agent/name", name.strip())
    else:
        s.remove("agent/name")
