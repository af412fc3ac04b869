"""Signed charts made by the real tools: keys from gpg, ``helm package --sign``, tampering."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness.charts import build_chart
from tests.harness.helm import Helm

TRUSTED = "Chart Signer <signer@example.com>"
STRANGER = "Stranger <stranger@example.com>"


@dataclass(frozen=True)
class SigningKey:
    """A gpg key: its user ID, fingerprint, legacy keyrings for helm and armored public key."""

    uid: str
    fingerprint: str
    secring: Path
    pubring: Path
    public_armored: str


def _gpg(home: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["gpg", "--batch", "--homedir", str(home), *args],
                          capture_output=True, check=True, timeout=120)


def make_key(directory: Path, uid: str) -> SigningKey:
    """Make an RSA signing key with gpg in an isolated GNUPGHOME; export what helm reads."""
    home = directory / "gnupg"
    home.mkdir(parents=True, mode=0o700)
    _gpg(home, "--passphrase", "", "--quick-gen-key", uid, "rsa2048", "sign", "never")
    listing = _gpg(home, "--with-colons", "--list-keys").stdout.decode()
    fpr = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    secring, pubring = directory / "secring.gpg", directory / "pubring.gpg"
    secring.write_bytes(_gpg(home, "--export-secret-keys").stdout)
    pubring.write_bytes(_gpg(home, "--export").stdout)
    armored = _gpg(home, "--armor", "--export").stdout.decode()
    _gpg_stop(home)
    return SigningKey(uid, fpr, secring, pubring, armored)


def _gpg_stop(home: Path) -> None:
    # Key generation starts a gpg-agent for this home; stop exactly that one.
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False,
                   capture_output=True, timeout=30)


@pytest.fixture(scope="session")
def signing_keys() -> Iterator[tuple[SigningKey, SigningKey]]:
    """A trusted key and a stranger's key, made once per session."""
    base = Path(tempfile.mkdtemp(prefix="chart-keys-"))
    try:
        yield make_key(base / "trusted", TRUSTED), make_key(base / "stranger", STRANGER)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def sign_package(helm: Helm, name: str, version: str, dest: Path, key: SigningKey | None,
                 **chart: Any) -> Path:
    """``helm package [--sign]`` a generated chart into ``dest``; return the .tgz path."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chart-src-") as src:
        with tarfile.open(fileobj=io.BytesIO(build_chart(name, version, **chart)),
                          mode="r:gz") as tar:
            tar.extractall(src, filter="data")
        args = ["package", str(Path(src) / name), "--destination", str(dest)]
        if key is not None:
            args += ["--sign", "--key", key.uid, "--keyring", str(key.secring)]
        helm.run(*args)
    path = dest / f"{name}-{version}.tgz"
    assert path.is_file() and (key is None or Path(f"{path}.prov").is_file())
    return path


def make_variants(helm: Helm, dest: Path, trusted: SigningKey,
                  stranger: SigningKey) -> dict[str, Path]:
    """Write one chart per verdict into ``dest``; return {expected verdict label: .tgz}.

    - ``good``: signed by the trusted key;
    - ``stranger``: signed by a key the tenant does not trust;
    - ``badchart``: signed, then the archive replaced by another build (checksum mismatch);
    - ``badprov``: signed, then the signed text of the .prov altered (bad signature);
    - ``plain``: not signed.
    """
    out = {
        "good": sign_package(helm, "good", "1.0.0", dest, trusted),
        "stranger": sign_package(helm, "stranger", "1.0.0", dest, stranger),
        "plain": sign_package(helm, "plain", "1.0.0", dest, None),
    }
    bad = sign_package(helm, "badchart", "1.0.0", dest, trusted)
    prov = Path(f"{bad}.prov").read_bytes()
    with tempfile.TemporaryDirectory() as other:
        rebuilt = sign_package(helm, "badchart", "1.0.0", Path(other), None,
                               values="replicaCount: 99\n")
        shutil.copyfile(rebuilt, bad)
    Path(f"{bad}.prov").write_bytes(prov)
    out["badchart"] = bad
    altered = sign_package(helm, "badprov", "1.0.0", dest, trusted)
    text = Path(f"{altered}.prov").read_bytes()
    assert b"description:" in text
    Path(f"{altered}.prov").write_bytes(text.replace(b"description:", b"description: X", 1))
    out["badprov"] = altered
    return out


HELM_SAYS = {
    "untrusted": "unknown entity",
    "badchart": "sha256 sum does not match",
    "badprov": "invalid signature",
    "unsigned": "failed to fetch provenance",
}
"""What `helm pull --verify` prints for each failing verdict."""


def gnupg_env() -> dict[str, str]:
    """Return the environment without a GNUPGHOME of the caller."""
    return {k: v for k, v in os.environ.items() if k != "GNUPGHOME"}
