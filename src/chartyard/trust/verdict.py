"""What a signature check concludes about one chart version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["verified", "untrusted", "invalid", "unsigned"]
STATUSES: tuple[Status, ...] = ("verified", "untrusted", "invalid", "unsigned")


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: a status, who signed, with which key, and why.

    ``signer`` is the key's user ID when the key is known to this tenant; for an
    untrusted key only its fingerprint (or long key ID) is known.
    """

    status: Status
    method: str
    reason: str = ""
    signer: str | None = None
    fingerprint: str | None = None

    @property
    def verified(self) -> bool:
        """Tell whether a trusted key signed exactly this chart."""
        return self.status == "verified"


def unsigned(method: str) -> Verdict:
    """Return the verdict for a chart version that carries no signature material."""
    return Verdict("unsigned", method, "no provenance file was published for this chart")
