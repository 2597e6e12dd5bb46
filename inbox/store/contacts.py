"""Contacts: one per phone number, shared by every channel."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inbox.core.models import Contact
from inbox.store.models import ContactRow
from inbox.store.upsert import insert_ignore


def to_dto(row: ContactRow) -> Contact:
    return Contact(id=row.id, phone=row.phone, display_name=row.display_name)


def get_or_create(session: Session, phone: str) -> int:
    """Race-safe against another process creating the same contact."""
    found = session.scalar(select(ContactRow.id).where(ContactRow.phone == phone))
    if found is not None:
        return found
    new_id = insert_ignore(session, ContactRow.__table__, {"phone": phone, "notes": ""}, ["phone"])
    if new_id is not None:
        return new_id
    return session.scalar(select(ContactRow.id).where(ContactRow.phone == phone))  # type: ignore[return-value]


def get(session: Session, contact_id: int) -> Contact | None:
    row = session.get(ContactRow, contact_id)
    return to_dto(row) if row else None


def by_phone(session: Session, phone: str) -> Contact | None:
    row = session.scalar(select(ContactRow).where(ContactRow.phone == phone))
    return to_dto(row) if row else None


def rename(session: Session, contact_id: int, name: str | None) -> None:
    cleaned = (name or "").strip() or None
    session.execute(update(ContactRow).where(ContactRow.id == contact_id).values(display_name=cleaned))
