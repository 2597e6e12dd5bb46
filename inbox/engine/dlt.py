"""India DLT for each MT: the channel's principal entity and header, the template the text matches.

TRAI's DLT rules make Indian operators drop a commercial SMS whose principal entity (PE) ID,
header or content template is not registered, or whose text does not match the template. Where a
provider's API carries these (Infobip `regional.indiaDlt`), Inbox sends them, and refuses before
any request a text to an Indian number that matches no template registered on the channel: the
operator would drop it anyway, after charging for it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from inbox.core.models import IndiaDlt
from inbox.engine import broadcasts
from inbox.store import broadcasts as store

INDIA_PREFIX = "+91"


class DltRefused(Exception):
    """The text cannot go to an Indian number as it is; the message says what to fix."""


def identity(session: Session, channel_id: int, to_number: str, body: str, author: str | None) -> IndiaDlt | None:
    """The DLT fields of one MT, None when DLT does not apply (not an Indian number, or a channel
    without a PE ID); raises DltRefused when the text matches no registered template."""
    if not to_number.startswith(INDIA_PREFIX):
        return None
    settings = store.send_settings(session, channel_id)
    if not settings.dlt_entity_id:
        return None
    asked = broadcasts.dlt_fields(session, author).get("dlt_template_id")
    try:
        template = broadcasts.check_dlt(session, channel_id, body, asked)
    except broadcasts.BroadcastRefused as exc:
        raise DltRefused(f"Not sent (India DLT): {exc}; register the template or use its exact wording") from None
    return IndiaDlt(settings.dlt_entity_id, template, settings.dlt_telemarketer_id, settings.dlt_sender_id)
