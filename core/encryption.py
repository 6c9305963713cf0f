"""Encryption at rest for secrets and tokens, on `cryptography`'s MultiFernet.

Keys come from settings.PORTAL_ENCRYPTION_KEYS (newest first): the first key
encrypts, every key decrypts. A value that no key decrypts raises
`DecryptionError`; it is never handed back as if it were the plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

KEYS_MISSING = "PORTAL_ENCRYPTION_KEYS is empty: set at least one Fernet key (see docs/operations/keys.md)."
KEYS_INVALID = (
    "PORTAL_ENCRYPTION_KEYS entry #{position} is not a Fernet key "
    "(32 url-safe base64-encoded bytes; generate one with `make key`)."
)
CANNOT_DECRYPT = (
    "Cannot decrypt {label}: none of the keys in PORTAL_ENCRYPTION_KEYS opens it. "
    "Restore the key it was written with (old keys stay in the list, newest first)."
)


class EncryptionKeyError(Exception):
    """The configured keys are missing or malformed."""


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise EncryptionKeyError(KEYS_MISSING)
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode()))
        except (ValueError, TypeError) as exc:
            raise EncryptionKeyError(KEYS_INVALID.format(position=position)) from exc
    return MultiFernet(fernets)


def configured_keys() -> tuple[str, ...]:
    return tuple(key for key in settings.PORTAL_ENCRYPTION_KEYS if key.strip())


def get_multifernet() -> MultiFernet:
    return _multifernet(configured_keys())


def primary_fernet() -> Fernet:
    keys = configured_keys()
    if not keys:
        raise EncryptionKeyError(KEYS_MISSING)
    get_multifernet()  # validates every key with its position
    return Fernet(keys[0].strip().encode())


# HKDF label of the key for keyed digests: a key of its own, never the Fernet key itself.
DIGEST_KEY_INFO = b"partner-portal keyed digest v1"


@lru_cache(maxsize=8)
def _digest_key(primary_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DIGEST_KEY_INFO).derive(
        base64.urlsafe_b64decode(primary_key.encode())
    )


def keyed_digest(value: str) -> str:
    """HMAC-SHA256 (hex) of `value` under a key derived from the newest encryption key.

    Without the key the digest tells nothing: it cannot be checked against guesses
    offline. It changes when the newest key does (`rotate_encryption_keys` recomputes
    what is stored).
    """
    primary_fernet()  # validates the keys, raising EncryptionKeyError
    key = _digest_key(configured_keys()[0].strip())
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def encrypt(plaintext: str) -> str:
    return get_multifernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, label: str = "an encrypted value") -> str:
    try:
        return get_multifernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # `from None`: the ciphertext must not travel in the traceback either.
        raise DecryptionError(CANNOT_DECRYPT.format(label=label)) from None


def is_encrypted_with_primary_key(token: str) -> bool:
    try:
        primary_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def reencrypt_with_primary_key(token: str, *, label: str = "an encrypted value") -> str:
    try:
        return get_multifernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(CANNOT_DECRYPT.format(label=label)) from None


class Ciphertext(str):
    """A value as stored in the database: a Fernet token, not the plaintext."""

    __slots__ = ()


class _EncryptedAttribute(DeferredAttribute):
    """Decrypts on attribute access, so loading a row never needs the key."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            return decrypt(value, label=f"{self.field.model.__name__}.{self.field.name}")
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so that reads always come through __get__.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A text column that holds a Fernet token; the model attribute is the plaintext.

    - Rows load without decrypting; the value is decrypted when read.
    - A value that is saved unchanged keeps its ciphertext (no re-encryption).
    - Serialisation (dumpdata, history copies) sees the ciphertext only.
    - Empty values stay empty: there is nothing to hide.
    """

    descriptor_class = _EncryptedAttribute

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return Ciphertext(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Read the raw slot, not the decrypting attribute.
        return model_instance.__dict__.get(self.attname)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or isinstance(value, Ciphertext):
            return value
        return encrypt(str(value))

    def value_from_object(self, obj: models.Model) -> Any:
        # Used by serializers and model_to_dict: never the plaintext.
        raw = obj.__dict__.get(self.attname)
        if raw is None or raw == "" or isinstance(raw, Ciphertext):
            return raw
        return Ciphertext(encrypt(str(raw)))

    def formfield(self, **kwargs: Any) -> Any:
        # Forms must opt in to handling a secret explicitly.
        return None
