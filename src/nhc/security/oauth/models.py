"""OAuth tables on the operational database: registered clients, authorisation codes (single use),
client assertions already seen (replay) and revoked access tokens.

Uniqueness is the database's job: a code is deleted by the one request that redeems it, and a
client assertion's ``jti`` is a primary key, so a replayed assertion fails on insert even when two
requests race.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nhc.db import Base, utcnow


class OAuthClient(Base):
    """A client an administrator registered: a backend system (``kind='system'``, client
    credentials, acting as the account ``user_id``) or a user-facing app (``kind='app'``,
    authorisation code with PKCE, acting as whoever signs in)."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(Text)
    jwks: Mapped[str | None] = mapped_column(Text, nullable=True)  # public keys (JSON key set)
    redirect_uris: Mapped[str] = mapped_column(Text, default="")  # space-separated
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class OAuthCode(Base):
    """An authorisation code (stored as its SHA-256), its PKCE challenge and launch patient."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OAuthAssertion(Base):
    """A client assertion's ``jti``, kept until the assertion expires (refuses replays)."""

    __tablename__ = "oauth_assertions"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OAuthRevokedToken(Base):
    """An access token revoked before it expired (RFC 7009), by its ``jti``."""

    __tablename__ = "oauth_revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OAuthRefreshToken(Base):
    """A refresh token (stored as its SHA-256 only), one link of a rotation *family*.

    Each refresh spends its token (``used_at``) and issues the next one in the same family, with the
    same scope, patient and absolute expiry. A spent token presented again means it was copied: the
    whole family is revoked (``revoked_at``), the OAuth 2.0 Security BCP's reuse detection."""

    __tablename__ = "oauth_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
