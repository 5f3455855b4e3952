"""Password hashing (argon2 via pwdlib) and access tokens (JWT, HS256, with expiry)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import argon2
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is missing a claim, expired, tampered with or signed with another key."""


class Passwords:
    def __init__(self, time_cost: int, memory_kib: int) -> None:
        params = argon2.Parameters(
            type=argon2.Type.ID,
            version=argon2.low_level.ARGON2_VERSION,
            salt_len=argon2.DEFAULT_RANDOM_SALT_LENGTH,
            hash_len=argon2.DEFAULT_HASH_LENGTH,
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=argon2.DEFAULT_PARALLELISM,
        )
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=params.time_cost,
                    memory_cost=params.memory_cost,
                    parallelism=params.parallelism,
                    hash_len=params.hash_len,
                    salt_len=params.salt_len,
                ),
            )
        )
        # Verifying against a hash with the same costs when the email is unknown keeps login time
        # the same for existing and non-existing accounts (no account enumeration by timing).
        self._dummy = unmatchable_hash(params)

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, hashed: str | None) -> bool:
        if hashed is None:
            self._hash.verify(password, self._dummy)
            return False
        return self._hash.verify(password, hashed)


def unmatchable_hash(params: argon2.Parameters) -> str:
    """An encoded argon2 hash with these parameters that no password matches (all-zero salt and
    digest). Verifying against it costs exactly what verifying a real hash with the same parameters
    costs, which is all the timing equaliser needs, without hashing anything up front: a real
    dummy hash took 0.14 s of every app start, and the dev server starts the app on every save."""

    def b64(length: int) -> str:  # argon2's encoding: standard base64 without padding
        return base64.b64encode(bytes(length)).decode().rstrip("=")

    return (
        f"$argon2{params.type.name.lower()}$v={params.version}"
        f"$m={params.memory_cost},t={params.time_cost},p={params.parallelism}"
        f"${b64(params.salt_len)}${b64(params.hash_len)}"
    )


def create_access_token(user_id: int, key: str, expires_minutes: int, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "iat": issued, "exp": issued + timedelta(minutes=expires_minutes)}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_access_token(token: str, key: str) -> int:
    """Return the user id in a valid token, else raise InvalidToken."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from None
