"""User persistence."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.models import User


class EmailTaken(Exception):
    pass


def get_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.lower())).first()


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def create(session: Session, email: str, password_hash: str) -> User:
    if get_by_email(session, email) is not None:
        raise EmailTaken(email)
    user = User(email=email.lower(), password_hash=password_hash)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        # Two sign-ups for one address raced past the check above; the unique index decides.
        session.rollback()
        raise EmailTaken(email) from None
    session.refresh(user)
    return user
