"""Write a local `.env` with a fresh Django secret key and encryption key, once.

`make run` calls this; it never overwrites an existing `.env`.
"""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

TEMPLATE = """# Written by `make run` on first start; not committed. See .env.example.
DJANGO_DEBUG=true
DJANGO_SECRET_KEY={secret_key}
PORTAL_ENCRYPTION_KEYS={encryption_key}
"""


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    if target.exists():
        print(f"{target} exists; keeping it.")
        return 0
    target.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            encryption_key=Fernet.generate_key().decode(),
        )
    )
    target.chmod(0o600)
    print(f"Wrote {target} with a new secret key and encryption key.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
