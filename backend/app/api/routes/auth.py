"""/api/auth: sign up, log in, who am I."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status

from app.api.deps import CurrentUser, PasswordsDep, SessionDep, SettingsDep
from app.core.logging import request_context
from app.core.security import create_access_token
from app.crud import users
from app.models import User
from app.models.user import LoginRequest, SignupRequest, TokenResponse, UserPublic

router = APIRouter(prefix="/api/auth", tags=["auth"])
logger = logging.getLogger("app.auth")


def _token_response(user: User, settings: SettingsDep) -> TokenResponse:
    assert user.id is not None
    context = request_context.get()
    if context is not None:
        context.user_id = user.id
    token = create_access_token(user.id, settings.jwt_key, settings.jwt_expire_minutes)
    return TokenResponse(access_token=token, user=UserPublic.model_validate(user))


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=TokenResponse)
def signup(body: SignupRequest, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep) -> TokenResponse:
    try:
        user = users.create(session, body.email, passwords.hash(body.password))
    except users.EmailTaken:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="an account with this email already exists: log in instead"
        ) from None
    response = _token_response(user, settings)
    logger.info("user signed up")
    return response


@router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep, passwords: PasswordsDep) -> TokenResponse:
    user = users.get_by_email(session, body.email)
    valid = passwords.verify(body.password, user.password_hash if user else None)
    if user is None or not valid:
        logger.info("login failed")
        # One message for unknown email and wrong password: no account enumeration.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    response = _token_response(user, settings)
    logger.info("user logged in")
    return response


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
