"""A private, temporary gpg keyring holding only the keys one check may use.

gpg is driven through python-gnupg with ``--homedir`` set to a fresh 0700
directory that is removed afterwards: no user keyring, no agent, no key server
(``--no-auto-key-retrieve``). Each check sees exactly the tenant's trusted keys.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import gnupg

from chartyard.errors import ConfigurationError

_OPTIONS = ["--no-auto-key-retrieve", "--no-default-keyring", "--keyring", "pubring.kbx"]
# python-gnupg logs gpg's exit code 2 as a WARNING for every signature by an unknown key;
# that is a verdict here (untrusted), not a fault.
logging.getLogger("gnupg").setLevel(logging.ERROR)


class GpgUnavailable(ConfigurationError):
    """Raise when the gpg binary needed to check OpenPGP signatures is missing."""

    code = "GpgUnavailable"


@contextmanager
def keyring(armored_keys: Sequence[str] = ()) -> Iterator[gnupg.GPG]:
    """Yield a gpg handle on a new temporary keyring holding ``armored_keys``."""
    home = tempfile.mkdtemp(prefix="chartyard-gpg-")
    try:
        try:
            gpg = gnupg.GPG(gnupghome=home, options=_OPTIONS)
        except (OSError, ValueError) as exc:
            raise GpgUnavailable(
                "gpg is not installed on the chartyard server; install the gnupg package "
                "to verify Helm provenance", {"error": str(exc)}) from exc
        if armored_keys:
            gpg.import_keys("\n".join(armored_keys))
        yield gpg
    finally:
        shutil.rmtree(home, ignore_errors=True)


@dataclass(frozen=True)
class PublicKeyInfo:
    """What a parsed public key is: its fingerprint, user IDs and normalised armor."""

    fingerprint: str
    user_ids: list[str]
    armored: str


class KeyError_(ValueError):
    """Raise when a submitted key is not exactly one ASCII-armored OpenPGP public key."""


MAX_KEY_BYTES = 64 * 1024


def parse_public_key(text: str) -> PublicKeyInfo:
    """Parse one ASCII-armored OpenPGP public key; raise `KeyError_` saying what is wrong."""
    if len(text.encode()) > MAX_KEY_BYTES:
        raise KeyError_(f"the key is larger than {MAX_KEY_BYTES // 1024} KiB")
    if "PRIVATE KEY BLOCK" in text:
        raise KeyError_("this is a private key; send only the public key "
                        "(gpg --armor --export KEYID)")
    if "-----BEGIN PGP PUBLIC KEY BLOCK-----" not in text:
        raise KeyError_("expected an ASCII-armored OpenPGP public key "
                        "(-----BEGIN PGP PUBLIC KEY BLOCK-----, from gpg --armor --export)")
    with keyring() as gpg:
        result = gpg.import_keys(text)
        fingerprints = sorted(set(result.fingerprints))
        if getattr(result, "sec_imported", 0):
            raise KeyError_("the block holds secret key material; send only the public key")
        if len(fingerprints) != 1:
            found = "no usable key" if not fingerprints else f"{len(fingerprints)} keys"
            raise KeyError_(f"expected exactly one public key; the block holds {found}")
        listed = gpg.list_keys()
        user_ids = [str(uid) for key in listed for uid in key.get("uids", [])]
        armored = gpg.export_keys(fingerprints[0])
    return PublicKeyInfo(fingerprints[0].upper(), user_ids, str(armored))
