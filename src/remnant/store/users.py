"""Web API users and their keys: added, revoked, listed and checked, every change audited.

A key is ``KEY_ID.SECRET``; only a salted scrypt hash of the secret is kept, so a copy of
the store does not give anyone a working key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

import lazy_loader as lazy
import orjson
import sqlalchemy as sa

from remnant.errors import ConflictError, InputError, NotFoundError
from remnant.store import audit, schema
from remnant.translate import N_

if TYPE_CHECKING:
    import pandas as pd
else:  # loaded on first use: `remnant info` and `--help` start without them
    pd = lazy.load("pandas")


__all__ = ["ROLES", "add", "authenticate", "listing", "revoke"]

ROLES = ("viewer", "editor", "admin")  # in rising rank: each may do what those before may


def add(store, name: str, role: str, *, by: str) -> str:
    """Add a web API user with ``role``; return their key (only its hash is kept)."""
    if role not in ROLES:
        raise InputError(
            N_("{option} must be one of {roles}"),
            option="role",
            value=repr(role),
            roles=", ".join(ROLES),
        )
    if not name or len(name) > 100 or not name.isprintable():
        raise InputError(N_("a user name is 1–100 printable characters, got {name!r}"), name=name)
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    salt, at = secrets.token_hex(16), audit.now()
    row = {
        "name": name,
        "role": role,
        "key_id": key_id,
        "salt": salt,
        "key_hash": _hash_key(secret, salt),
        "created_at": at,
        "revoked_at": None,
    }
    with store.transaction() as conn:
        u = schema.users
        if conn.execute(sa.select(u.c.name).where(u.c.name == name)).first():
            raise ConflictError(
                N_("user {name!r} exists; revoke them or choose another name"), name=name
            )
        conn.execute(u.insert(), [row])
        public = orjson.dumps({"name": name, "role": role, "key_id": key_id}).decode()
        audit.append(conn, at, by, "users", "insert", [name], None, [public])
    return f"{key_id}.{secret}"


def revoke(store, name: str, *, by: str) -> None:
    """Revoke a user's key: it is refused from now on."""
    u = schema.users
    with store.transaction() as conn:
        if conn.execute(sa.select(u.c.revoked_at).where(u.c.name == name)).first() is None:
            raise NotFoundError(N_("no user {name!r}"), name=name)
        at = audit.now()
        conn.execute(u.update().where(u.c.name == name).values(revoked_at=at))
        before = orjson.dumps({"revoked_at": None}).decode()
        after = orjson.dumps({"revoked_at": at}).decode()
        audit.append(conn, at, by, "users", "update", [name], [before], [after])


def listing(store) -> pd.DataFrame:
    """Users with role and when they were added or revoked (never their keys)."""
    u = schema.users
    query = sa.select(u.c.name, u.c.role, u.c.created_at, u.c.revoked_at).order_by(u.c.fid)
    with store.backend.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame.from_records(rows, columns=["name", "role", "created_at", "revoked_at"])


def authenticate(store, key: str | None) -> tuple[str, str] | None:
    """(name, role) of the live user holding ``key``, or None."""
    key_id, _, secret = (key or "").partition(".")
    if not key_id or not secret:
        return None
    u = schema.users
    query = sa.select(u.c.name, u.c.role, u.c.salt, u.c.key_hash, u.c.revoked_at)
    with store.backend.engine.connect() as conn:
        row = conn.execute(query.where(u.c.key_id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(_hash_key(secret, row.salt), row.key_hash):
        return None
    return row.name, row.role


def _hash_key(secret: str, salt: str) -> str:
    """The scrypt hash of an API key's secret half (RFC 7914; about 10 ms per check)."""
    digest = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**12, r=8, p=1)
    return digest.hex()
