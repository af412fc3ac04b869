"""Encrypt secrets at rest with Fernet, supporting key rotation through MultiFernet."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    """Encrypt and decrypt small JSON secret payloads; the first key encrypts."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one secret key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, secrets: dict[str, str]) -> str:
        """Return a token holding the given secrets."""
        return self._fernet.encrypt(json.dumps(secrets).encode()).decode()

    def decrypt(self, token: str | None) -> dict[str, str]:
        """Return the secrets in a token; an empty token holds none."""
        if not token:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError(
                "stored secrets cannot be decrypted with CHARTYARD_SECRET_KEY; "
                "was the key changed without `chartyard admin rotate-secret-key`?"
            ) from exc
        return {str(k): str(v) for k, v in data.items()}

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the primary key."""
        return self._fernet.rotate(token.encode()).decode()


def load_keys(configured: str | None, data_dir: Path) -> list[str]:
    """Return the keys from the setting (comma-separated, newest first) or the key file."""
    if configured:
        return [k.strip() for k in configured.split(",") if k.strip()]
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Write aside, then link into place: of processes starting together one key wins,
        # and none reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret.key.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(Fernet.generate_key().decode() + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return [k.strip() for k in path.read_text().split(",") if k.strip()]
