"""Checking what webhook senders sign: one place for every inbound hook (Sentry, trackers, Git,
deploy pipelines), each comparison in constant time (a timing difference would leak the secret)."""

from __future__ import annotations

import hashlib
import hmac


def same_secret(given: str, expected: str) -> bool:
    """True when a shared secret sent as-is (GitLab's `X-Gitlab-Token`) matches a set secret."""
    return bool(expected) and bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def hmac_sha256_hex(*, body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hmac_sha256_valid(*, body: bytes, secret: str, signature: str, prefix: str = "sha256=") -> bool:
    """True when `signature` is `prefix` + the hex HMAC-SHA256 of the raw body with `secret`
    (GitHub, Gitea, Forgejo and Jira send "sha256=<hex>"; Sentry sends the bare hex, prefix="")."""
    signature = signature.strip()
    if not secret or not signature.startswith(prefix):
        return False
    given = signature.removeprefix(prefix).lower()
    return hmac.compare_digest(given.encode(), hmac_sha256_hex(body=body, secret=secret).encode())
