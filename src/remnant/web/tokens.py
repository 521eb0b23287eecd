"""Short-lived signed tokens for map tiles.

A browser fetches tiles as images, so it cannot send the ``X-API-Key`` header; putting the
key itself in a tile URL would leak it into logs and history. Instead a caller who holds a
key asks for a token (``GET /tiles/token``), valid for ``LIFETIME`` seconds, that names the
caller and their role and is signed (HMAC-SHA256) with a secret the server draws when it
starts. A token works only for tiles; a revoked key's token lapses within ``LIFETIME``.

>>> signer = TileTokens(b"secret")
>>> token = signer.issue(("ana", "viewer"), now=1_000)
>>> signer.check(token, now=1_000 + LIFETIME - 1)
('ana', 'viewer')
>>> signer.check(token, now=1_000 + LIFETIME + 1) is None  # expired
True
>>> signer.check(token.replace("viewer", "admin"), now=1_000) is None  # altered
True
>>> TileTokens(b"other").check(token, now=1_000) is None  # another server's
True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

__all__ = ["LIFETIME", "TileTokens"]

LIFETIME = 900  # seconds; the dashboard asks for a new token every third of that


class TileTokens:
    """Issues and checks tile tokens with one secret (a new random one by default)."""

    def __init__(self, secret: bytes | None = None):
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self, caller: tuple[str, str], *, now: float | None = None) -> str:
        """A token for ``caller`` (name, role), valid for ``LIFETIME`` seconds."""
        name, role = caller
        expires = int((time.time() if now is None else now) + LIFETIME)
        payload = f"{expires}.{role}.{name}"
        return f"{payload}.{self._sign(payload)}"

    def check(self, token: str | None, *, now: float | None = None) -> tuple[str, str] | None:
        """The (name, role) a valid, unexpired token was issued to; None otherwise."""
        if not token or token.count(".") < 3:
            return None
        payload, _, signature = token.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        expires, role, name = payload.split(".", 2)
        if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
            return None
        return name, role
