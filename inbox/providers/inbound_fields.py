"""The three fields every provider's inbound record must carry (its id, the sender, the text),
read and checked alike: a record missing one is set aside in quarantine with the field named,
never stored half-empty. Only the field names differ per provider."""

from __future__ import annotations

from collections.abc import Mapping


def essentials(raw: Mapping[str, object], id_key: str, sender_key: str, text_key: str) -> tuple[str, str, str]:
    """(id, sender, text); ValueError("missing <key>") for an empty id or sender, or a text that
    is not a string (an empty text is a real, if odd, message)."""
    message_id, sender, text = raw.get(id_key), raw.get(sender_key), raw.get(text_key)
    if not isinstance(message_id, str) or not message_id:
        raise ValueError(f"missing {id_key}")
    if not isinstance(sender, str) or not sender:
        raise ValueError(f"missing {sender_key}")
    if not isinstance(text, str):
        raise ValueError(f"missing {text_key}")
    return message_id, sender, text
