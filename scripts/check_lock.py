"""Check that this environment holds exactly the versions a lock file pins.

Usage: python scripts/check_lock.py requirements/test.txt
Prints the lock's SHA-256, then every package missing, extra or at another version; exits 1
if there is any. chartyard itself (installed from the checkout) is not in the lock.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import sys
from pathlib import Path

from packaging.markers import Marker

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\\n]+))?", re.M)
_NOT_PINNED = {"chartyard"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: Path) -> dict[str, str]:
    """Return {canonical name: version} for each `name==version` line whose marker holds here."""
    return {_canonical(name): version
            for name, version, marker in _PIN.findall(lock.read_text())
            if not marker.strip() or Marker(marker.strip()).evaluate()}


def installed() -> dict[str, str]:
    """Return {canonical name: version} of every distribution in this environment."""
    return {_canonical(dist.metadata["Name"]): dist.version
            for dist in importlib.metadata.distributions()}


def main(argv: list[str]) -> int:
    """Compare the environment with the lock named in argv; return the exit status."""
    lock = Path(argv[1] if len(argv) > 1 else "requirements/test.txt")
    print(f"lock {lock}: sha256 {hashlib.sha256(lock.read_bytes()).hexdigest()}")
    want, have = pins(lock), installed()
    problems = [f"missing   {name}=={version}" for name, version in sorted(want.items())
                if name not in have]
    problems += [f"version   {name}: installed {have[name]}, locked {version}"
                 for name, version in sorted(want.items())
                 if name in have and have[name] != version]
    problems += [f"unlocked  {name}=={version}" for name, version in sorted(have.items())
                 if name not in want and name not in _NOT_PINNED]
    for line in problems:
        print(line)
    print(f"{len(want)} locked packages; environment "
          f"{'matches the lock' if not problems else f'differs in {len(problems)}'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
