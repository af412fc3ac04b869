"""Map chart versions to OCI tags and order them by semantic version.

Which strings count as versions: SemVer 2.0.0 exactly, plus an optional
leading lowercase ``v`` ("v1.2.3"), which Helm's Masterminds parser also
accepts.  Not supported, and therefore ordered after every valid version:
Masterminds' partial versions ("1.2", "1"), leading zeros ("01.2.3"), an
upper-case ``V``, and surrounding whitespace.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import TypeAlias

import semver

__all__ = [
    "VersionSortKey",
    "is_semver",
    "nearest_versions",
    "sort_versions_desc",
    "tag_to_version",
    "version_sort_key",
    "version_to_tag",
]

_Identifier: TypeAlias = tuple[int, int, str]
VersionSortKey: TypeAlias = tuple[int, tuple[object, ...]]
"""Opaque, totally ordered key returned by `version_sort_key`."""


def tag_to_version(tag: str) -> str:
    """Return the chart version an OCI tag stands for.

    OCI tags cannot contain ``+``, so ``helm push`` writes SemVer build
    metadata with ``_`` ("1.0.0_build.1"); this undoes it.
    """
    return tag.replace("_", "+")


def version_to_tag(version: str) -> str:
    """Return the OCI tag Helm pushes a chart version under (``+`` becomes ``_``)."""
    return version.replace("+", "_")


def _parse(version: str) -> semver.Version | None:
    """Parse ``version`` as SemVer 2 with an optional leading ``v``, or return None."""
    text = version[1:] if version.startswith("v") else version
    try:
        return semver.Version.parse(text)
    except ValueError:  # also raised by int() for absurdly long numbers
        return None


def parse_semver(version: str) -> semver.Version | None:
    """Parse ``version`` as SemVer 2 with an optional leading ``v``, or return None."""
    return _parse(version)


def is_semver(version: str) -> bool:
    """Tell whether ``version`` is SemVer 2.0.0, optionally with a leading ``v``."""
    return _parse(version) is not None


def _identifier_key(identifier: str) -> _Identifier:
    """Order dot-separated identifiers as SemVer 2 section 11 specifies.

    Numeric identifiers sort numerically and before alphanumeric ones.
    Without leading zeros, comparing (length, digits) is numeric comparison,
    and it needs no ``int()`` of arbitrarily long digit strings.  (Only build
    metadata may carry leading zeros; they are stripped for comparison.)
    """
    if identifier.isdigit():
        digits = identifier.lstrip("0") or "0"
        return (0, len(digits), digits)
    return (1, 0, identifier)


def _identifiers_key(part: str | None) -> tuple[_Identifier, ...]:
    return tuple(_identifier_key(i) for i in part.split(".")) if part else ()


def _invert(text: str) -> tuple[int, ...]:
    """Return a key that orders strings in reverse code-point order."""
    # Negated code points reverse the order of differing characters; the
    # trailing 1 (greater than any negated code point) makes a string rank
    # above its own extensions, reversing prefix order too.
    return (*(-ord(c) for c in text), 1)


def version_sort_key(version: str) -> VersionSortKey:
    """Return a key that orders chart versions oldest first, totally.

    Valid versions (see the module docstring) sort by SemVer precedence,
    release after its pre-releases.  Ties in precedence are broken first by
    build metadata, compared like pre-release identifiers, with no build
    metadata lowest ("1.0.0" < "1.0.0+b2"), then by the exact string ("1.0.0"
    and "v1.0.0" differ), so distinct strings never compare equal.

    Invalid versions rank below every valid one, so a newest-first sort
    (``reverse=True``) lists them last, in alphabetical order.
    """
    parsed = _parse(version)
    if parsed is None:
        return (0, _invert(version))
    release = (parsed.major, parsed.minor, parsed.patch)
    prerelease = _identifiers_key(parsed.prerelease)
    is_release = 1 if parsed.prerelease is None else 0
    return (1, (release, is_release, prerelease, _identifiers_key(parsed.build), version))


def sort_versions_desc(versions: Iterable[str]) -> list[str]:
    """Return ``versions`` newest first; invalid versions follow, alphabetically."""
    return sorted(versions, key=version_sort_key, reverse=True)


_NUMERIC_PREFIX = re.compile(r"v?(\d{1,20})(?:\.(\d{1,20}))?(?:\.(\d{1,20}))?")


def nearest_versions(target: str, available: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` entries of ``available`` closest to ``target``.

    Meant for "did you mean" messages.  If ``target`` starts like a version
    ("2", "2.1", "v2.1.3-rc.1"), valid semver candidates are ranked by
    distance in major, then minor, then patch, newest first among equals;
    releases come before pre-releases unless ``target`` is a pre-release
    itself.  So "61.2.1" suggests 61.2.0 and 61.2.5 before 61.3.0, and both
    before 61.2.0-rc.1.  Otherwise, or when no candidate is valid semver,
    candidates are ranked by string similarity and only reasonably similar
    ones are returned.  OCI tag spellings ("1.0.0_b1") are understood on both
    sides; results keep the spelling of ``available``.
    """
    if n <= 0:
        return []
    candidates = list(dict.fromkeys(available))
    wanted_text = tag_to_version(target)
    prefix = _NUMERIC_PREFIX.match(wanted_text)
    if prefix is not None:
        wanted = [int(g) for g in prefix.groups() if g is not None]
        wants_prerelease = "-" in wanted_text[prefix.end() :]
        scored: list[tuple[tuple[int, ...], str]] = []
        for candidate in sort_versions_desc(candidates):
            parsed = _parse(tag_to_version(candidate))
            if parsed is None:
                continue
            have = (parsed.major, parsed.minor, parsed.patch)
            penalty = int(parsed.prerelease is not None and not wants_prerelease)
            distance = tuple(abs(w - h) for w, h in zip(wanted, have, strict=False))
            scored.append(((penalty, *distance), candidate))
        if scored:
            scored.sort(key=lambda item: item[0])  # stable: newest first among equals
            return [candidate for _, candidate in scored[:n]]
    return difflib.get_close_matches(target, candidates, n=n, cutoff=0.6)
