"""Read the signed part of a Helm provenance file: the chart files and their SHA-256.

A ``.prov`` is an OpenPGP clear-signed document whose body is the chart's
Chart.yaml, a ``...`` line, then ``files:`` mapping archive names to
``sha256:<hex>``. Only that ``files:`` section is read here, line by line; the
Chart.yaml part is not parsed. Input is capped at `MAX_PROVENANCE_BYTES`.
"""

from __future__ import annotations

import re

MAX_PROVENANCE_BYTES = 64 * 1024
"""A .prov is a few KiB (Chart.yaml plus one signature); anything larger is refused."""

_BEGIN = b"-----BEGIN PGP SIGNED MESSAGE-----"
_FILE = re.compile(r"^\s+(?P<name>[^\s:][^:]*?):\s*(?P<digest>sha256:[0-9a-fA-F]{64})\s*$")


class ProvenanceError(ValueError):
    """Raise when a provenance file is too large or not a clear-signed document."""


def check_shape(data: bytes) -> None:
    """Refuse provenance data that is oversized or not OpenPGP clear-signed."""
    if len(data) > MAX_PROVENANCE_BYTES:
        raise ProvenanceError(f"provenance file is {len(data)} bytes; the limit is "
                              f"{MAX_PROVENANCE_BYTES}")
    if _BEGIN not in data[:4096]:
        raise ProvenanceError("not an OpenPGP clear-signed document")


def signed_files(signed_text: bytes) -> dict[str, str]:
    """Return ``{archive name: "sha256:<hex>"}`` from the ``files:`` section of signed text."""
    text = signed_text.decode("utf-8", errors="replace")
    files: dict[str, str] = {}
    in_files = False
    for line in text.splitlines():
        if line.rstrip() == "files:":
            in_files = True
            continue
        if not in_files:
            continue
        match = _FILE.match(line)
        if match is None:
            if line.strip() and not line[:1].isspace():
                in_files = False  # the next top-level key ends the section
            continue
        files[match["name"].strip().strip("'\"")] = match["digest"].lower()
    return files
