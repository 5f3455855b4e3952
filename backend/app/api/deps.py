"""Dependencies shared by the routes: settings, DB session, the authenticated user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.core.config import Settings
from app.core.logging import request_context
from app.core.security import InvalidToken, Passwords, decode_access_token
from app.crud import users
from app.db.engine import get_session
from app.models import User

# auto_error=False: we answer 401 with our own message (FastAPI's default would be 403).
_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise _unauthorized("not authenticated: send 'Authorization: Bearer <access_token>' from /api/auth/login")
    try:
        user_id = decode_access_token(credentials.credentials, settings.jwt_key)
    except InvalidToken:
        raise _unauthorized("invalid or expired token: log in again") from None
    user = users.get(session, user_id)
    if user is None:
        raise _unauthorized("invalid or expired token: log in again")
    context = request_context.get()
    if context is not None:
        context.user_id = user.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
