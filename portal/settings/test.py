"""Settings for the test suite: base settings plus throwaway keys and fast hashing."""

import os

from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

os.environ.setdefault("DJANGO_SECRET_KEY", get_random_secret_key())
# Fresh keys for every run: nothing that a test encrypts outlives the run.
os.environ.setdefault("PORTAL_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

# Fast user passwords; the sandbox's hasher, and PBKDF2 for client secrets hashed before it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "sandbox.hashers.ClientSecretHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A file database rather than SQLite's in-memory one: live-server threads
# then share it without warnings.
# The file is named after DATABASE_URL's, so parallel runs with different
# DATABASE_URLs never share one.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    name = str(DATABASES["default"]["NAME"])
    test_name = name + ".test" if name not in ("", ":memory:") else str(BASE_DIR / ".pytest-db.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": test_name}
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A test database is thrown away: a commit need not wait for the write-ahead log to
    # reach the disk. Transactional and live-server tests commit (and flush) often.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c synchronous_commit=off"
