"""The hasher for sandbox client secrets: one salted HMAC-SHA256, not a password hasher.

A password hasher (PBKDF2 at a million iterations) is slow on purpose, so that a
stolen hash of a human-chosen password takes long to guess. The sandbox's
client secrets are generated: 256 random bits (`secrets.token_hex(32)`). Nobody
can enumerate 2^256 candidates, however cheap one guess is, so stretching adds
no strength and costs about half a second of CPU on every token request. One
HMAC-SHA256 keyed with a random 128-bit salt is as strong for such a secret and
takes microseconds.

It is listed in PASSWORD_HASHERS after the password hashers (Django looks
hashers up there), so it never hashes a user's password; DOT uses it through
OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]. Secrets hashed earlier with PBKDF2
still verify, and are re-hashed with this hasher when the client next
authenticates (sandbox.oauth.SandboxValidator).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare

ALGORITHM = "sandbox_hmac_sha256"


class ClientSecretHasher(BasePasswordHasher):
    """`sandbox_hmac_sha256$<salt>$<hex HMAC-SHA256(key=salt, message=secret)>`."""

    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise ValueError("A secret and a salt without '$' are needed.")
        digest = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        if algorithm != self.algorithm:
            raise ValueError("Not a sandbox client secret hash.")
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        # Nothing to equalise: every hash of this algorithm costs the same.
        return None
