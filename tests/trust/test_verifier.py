"""The Helm provenance verifier on real helm 3 and helm 4 signatures, and key parsing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chartyard.trust import (
    MAX_PROVENANCE_BYTES,
    HelmProvenanceVerifier,
    KeyError_,
    TrustedKey,
    parse_public_key,
)
from chartyard.trust import keyring as keyring_module
from chartyard.trust.material import Material, judge
from tests.harness.helm import Helm
from tests.trust.conftest import SigningKey, sign_package


def _trusted(key: SigningKey) -> list[TrustedKey]:
    return [TrustedKey(key.fingerprint, parse_public_key(key.public_armored).armored)]


@pytest.mark.parametrize("which", ["helm", "helm3"])
def test_real_signatures_of_helm_3_and_4(which: str, request: pytest.FixtureRequest,
                                         signing_keys: tuple[SigningKey, SigningKey],
                                         tmp_path: Path) -> None:
    helm: Helm = request.getfixturevalue(which)
    trusted, stranger = signing_keys
    tgz = sign_package(helm, "demo", "1.2.3", tmp_path, trusted)
    prov = Path(f"{tgz}.prov").read_bytes()
    if which == "helm":  # helm 4's armor has no CRC line; helm 3's has one
        assert b"\n=" not in prov.split(b"-----BEGIN PGP SIGNATURE-----")[1]
    digest = "sha256:" + hashlib.sha256(tgz.read_bytes()).hexdigest()
    verifier = HelmProvenanceVerifier()
    good = verifier.verify(prov, digest, _trusted(trusted))
    assert (good.status, good.signer, good.fingerprint) == ("verified", trusted.uid,
                                                             trusted.fingerprint)
    other = verifier.verify(prov, digest, _trusted(stranger))
    assert other.status == "untrusted" and other.signer is None
    assert other.fingerprint is not None and trusted.fingerprint.endswith(other.fingerprint)
    assert verifier.verify(prov, digest, []).status == "untrusted"
    mismatch = verifier.verify(prov, "sha256:" + "0" * 64, _trusted(trusted))
    assert mismatch.status == "invalid" and "sha256 sum does not match" in mismatch.reason
    altered = prov.replace(b"version: 1.2.3", b"version: 1.2.4", 1)
    assert altered != prov
    bad = verifier.verify(altered, digest, _trusted(trusted))
    assert bad.status == "invalid" and bad.reason == "invalid signature"
    # Text outside the signed block does not count: only what gpg says was signed is read.
    padded = prov + b"\nfiles:\n  demo-1.2.3.tgz: sha256:" + b"1" * 64 + b"\n"
    assert verifier.verify(padded, "sha256:" + "1" * 64, _trusted(trusted)).status == "invalid"


def test_unreadable_provenance_is_invalid() -> None:
    verifier = HelmProvenanceVerifier()
    assert verifier.verify(b"not signed", "sha256:" + "0" * 64, []).status == "invalid"
    huge = b"-----BEGIN PGP SIGNED MESSAGE-----\n" + b"x" * MAX_PROVENANCE_BYTES
    verdict = verifier.verify(huge, "sha256:" + "0" * 64, [])
    assert verdict.status == "invalid" and "limit" in verdict.reason


def test_judge_sorts_material_and_survives_a_missing_gpg(
        signing_keys: tuple[SigningKey, SigningKey], helm: Helm, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    trusted, _ = signing_keys
    tgz = sign_package(helm, "demo", "1.0.0", tmp_path, trusted)
    prov = Path(f"{tgz}.prov").read_bytes()
    digest = "sha256:" + hashlib.sha256(tgz.read_bytes()).hexdigest()
    items = [Material(None, digest), Material(None, digest, "provenance layer unreadable"),
             Material(prov, None), Material(prov, digest)]
    assert [v.status for v in judge(items, _trusted(trusted))] == [
        "unsigned", "invalid", "invalid", "verified"]

    def no_gpg(*args: object, **kwargs: object) -> None:
        raise OSError("Unable to run gpg (gpg) - it may not be available.")

    monkeypatch.setattr(keyring_module.gnupg, "GPG", no_gpg)
    verdict = judge([Material(prov, digest)], [])[0]
    assert verdict.status == "untrusted" and "gpg is not installed" in verdict.reason


def test_public_keys_are_parsed_strictly(signing_keys: tuple[SigningKey, SigningKey]) -> None:
    trusted, stranger = signing_keys
    info = parse_public_key(trusted.public_armored)
    assert (info.fingerprint, info.user_ids) == (trusted.fingerprint, [trusted.uid])
    with pytest.raises(KeyError_, match="exactly one"):
        parse_public_key(trusted.public_armored + "\n" + stranger.public_armored)
    with pytest.raises(KeyError_, match="private key"):
        parse_public_key("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n-----END PGP PRIVATE KEY "
                         "BLOCK-----\n")
    with pytest.raises(KeyError_, match="no usable key"):
        parse_public_key("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC "
                         "KEY BLOCK-----\n")
    with pytest.raises(KeyError_, match="larger than"):
        parse_public_key("x" * (65 * 1024))
