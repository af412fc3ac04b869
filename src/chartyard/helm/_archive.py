"""Read a few text files out of a packaged chart without trusting it.

A chart layer is ``helm package`` output: a gzip-compressed tar whose members
live under one top directory, ``<chart>/Chart.yaml`` and so on.  Four top-level
files are returned (Chart.yaml, values.yaml, the README and values.schema.json),
and the subcharts under ``charts/``, as helm loads them: an unpacked
``charts/<dir>/`` or a packaged ``charts/<name>.tgz`` (names starting with ``_``
or ``.`` are skipped), each with its Chart.yaml, values.yaml, values.schema.json
and its own subcharts.  Nothing is extracted to disk.

Subcharts are capped (`MAX_SUBCHART_DEPTH` levels, `MAX_SUBCHARTS` in all), and a
nested ``.tgz`` shares the caps of the archive holding it: its output and members
count against the same ``max_uncompressed`` and ``max_members``.  A subchart over a
cap or unreadable does not fail the whole archive: the top-level files are still
returned, with ``subcharts_error`` saying why the subcharts are not known.

Every member is still inspected, and the whole archive is rejected if any
member is a link, device, FIFO or sparse file, has an absolute path or a
``..`` component, or exceeds the per-file size; so is an archive with too many
members.  Decompression is streamed in small chunks with a hard cap on total
output and on the compression ratio, so a gzip bomb fails after a bounded
amount of work and memory.

Not supported: uncompressed or non-gzip archives, and anything after the
tar end-of-archive marker (which is not read, as with Helm).  Text is decoded
as UTF-8 with undecodable bytes replaced.
"""

from __future__ import annotations

import re
import tarfile
import zlib
from dataclasses import dataclass, fields
from typing import Any, Self

from chartyard.errors import ContentError

__all__ = [
    "MAX_SUBCHARTS",
    "MAX_SUBCHART_DEPTH",
    "ChartArchiveError",
    "ChartArchiveLimits",
    "ChartFiles",
    "Subchart",
    "read_chart_archive",
]

MiB = 1024 * 1024
# Levels of charts/ below the top chart, and subcharts in the whole tree.
MAX_SUBCHART_DEPTH = 4
MAX_SUBCHARTS = 64
_SUBCHART_FILES = frozenset({"Chart.yaml", "values.yaml", "values.schema.json"})

# Below this much output the ratio limit does not apply: tar pads tiny charts
# with zero blocks that compress several-hundredfold, and a MiB is harmless.
_RATIO_FLOOR = 1 * MiB
# Input is handed to zlib this many bytes at a time.
_INPUT_CHUNK = 64 * 1024
# Go's archive/tar refuses PAX and GNU long-name headers above 1 MiB; tarfile
# would read any size into memory before yielding the member they describe.
_MAX_EXTENDED_HEADER = 1 * MiB
_EXTENDED_HEADER_TYPES = frozenset(
    {
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
    }
)
_TYPE_NAMES = {
    tarfile.SYMTYPE: "symbolic link",
    tarfile.LNKTYPE: "hard link",
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "FIFO",
    tarfile.GNUTYPE_SPARSE: "sparse file",
}
_DRIVE = re.compile(r"^[A-Za-z]:")
# README spellings Helm recognises (case-insensitively), in order of preference.
_README_NAMES = ("readme.md", "readme.txt", "readme")


class ChartArchiveError(ContentError, ValueError):
    """Report a chart archive that is malformed, unsafe or over a limit.

    ``member`` names the offending archive member when there is one.
    """

    code = "InvalidChartArchive"

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(message, {"member": member} if member else None)
        self.member = member


@dataclass(frozen=True)
class ChartArchiveLimits:
    """Bound the work `read_chart_archive` may do; all sizes are in bytes.

    The defaults follow Helm 3.17's loader (5 MiB per file) and leave room
    for the largest public charts.  ``max_ratio`` applies once output passes
    1 MiB.
    """

    max_compressed: int = 20 * MiB
    max_uncompressed: int = 50 * MiB
    max_members: int = 5000
    max_file: int = 5 * MiB
    max_ratio: int = 100

    def __post_init__(self) -> None:
        """Refuse limits that are not positive integers."""
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{field.name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class Subchart:
    """Hold one subchart's text files (``None`` when absent) and its own subcharts."""

    chart_yaml: str | None = None
    values_yaml: str | None = None
    values_schema_json: str | None = None
    subcharts: tuple[Subchart, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Return the subchart tree as plain JSON-ready data."""
        return {"chart_yaml": self.chart_yaml, "values_yaml": self.values_yaml,
                "values_schema": self.values_schema_json,
                "charts": [sub.as_dict() for sub in self.subcharts]}


@dataclass(frozen=True)
class ChartFiles:
    """Hold the top-level text files of a chart and its subcharts.

    ``None`` marks an absent file; ``subcharts_error`` says why the subcharts
    could not be read (then ``subcharts`` is empty).
    """

    chart_yaml: str | None = None
    values_yaml: str | None = None
    readme: str | None = None
    values_schema_json: str | None = None
    subcharts: tuple[Subchart, ...] = ()
    subcharts_error: str | None = None


@dataclass
class _Budget:
    """Count what an archive and the archives nested in it have used together."""

    uncompressed: int = 0
    members: int = 0
    subcharts: int = 0


class _BoundedGunzip:
    """Stream-decompress gzip data, refusing to produce more than a cap.

    Implements just the ``read(size)`` that ``tarfile``'s stream mode uses.
    Each call inflates at most ``size`` bytes, so memory stays proportional
    to the caller's buffer, not to the (possibly enormous) output.
    Concatenated gzip members are read as one stream, as gzip(1) and Go do.
    """

    def __init__(self, data: bytes, limits: ChartArchiveLimits, budget: _Budget) -> None:
        self._data = memoryview(data)
        self._offset = 0
        self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._produced = 0
        self._budget = budget
        self._max_uncompressed = limits.max_uncompressed
        self._max_by_ratio = max(limits.max_ratio * len(data), _RATIO_FLOOR)
        self._max_ratio = limits.max_ratio

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` decompressed bytes; ``b""`` at the end."""
        if size < 0:
            size = _INPUT_CHUNK
        while True:
            inflater = self._inflater
            if inflater.eof:
                rest = inflater.unused_data + self._data[self._offset :].tobytes()
                self._offset = len(self._data)
                if not rest:
                    return b""
                self._inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                chunk = self._inflate(rest, size)
            elif inflater.unconsumed_tail:
                chunk = self._inflate(inflater.unconsumed_tail, size)
            elif self._offset < len(self._data):
                end = self._offset + _INPUT_CHUNK
                piece = self._data[self._offset : end].tobytes()
                self._offset = min(end, len(self._data))
                chunk = self._inflate(piece, size)
            else:
                raise ChartArchiveError("chart archive is truncated: gzip stream ends early")
            if chunk:
                return chunk

    def _inflate(self, piece: bytes, size: int) -> bytes:
        try:
            chunk = self._inflater.decompress(piece, size)
        except zlib.error as exc:
            raise ChartArchiveError(f"chart archive is not valid gzip data: {exc}") from exc
        self._produced += len(chunk)
        self._budget.uncompressed += len(chunk)
        if self._budget.uncompressed > self._max_uncompressed:
            raise ChartArchiveError(
                "chart archive decompresses to more than "
                f"{self._max_uncompressed} bytes (max_uncompressed)"
            )
        if self._produced > self._max_by_ratio:
            raise ChartArchiveError(
                f"chart archive decompresses to more than {self._max_ratio} times its "
                f"compressed size of {len(self._data)} bytes (max_ratio); "
                "refusing a likely gzip bomb"
            )
        return chunk


class _StrictTarInfo(tarfile.TarInfo):
    """Parse tar headers, failing loudly where ``tarfile`` would give up quietly.

    ``tarfile`` treats a corrupt header in mid-archive as the end of the
    archive, which would hide every member after it from the checks below,
    and reads extended headers of any size into memory.
    """

    @classmethod
    def frombuf(cls, buf: bytes | bytearray, encoding: str, errors: str) -> Self:
        """Parse one 512-byte header block, refusing corrupt or oversized ones."""
        if buf and len(buf) != tarfile.BLOCKSIZE:
            raise ChartArchiveError("chart archive is truncated inside a tar header")
        if not buf or buf.count(0) == tarfile.BLOCKSIZE:
            return super().frombuf(buf, encoding, errors)  # end of archive
        try:
            info = super().frombuf(buf, encoding, errors)
        except tarfile.HeaderError as exc:
            raise ChartArchiveError(f"chart archive has a corrupt tar header: {exc}") from exc
        if info.type in _EXTENDED_HEADER_TYPES and not 0 <= info.size <= _MAX_EXTENDED_HEADER:
            raise ChartArchiveError(
                f"chart archive has an extended tar header of {info.size} bytes, "
                f"over the limit of {_MAX_EXTENDED_HEADER}"
            )
        return info


def _chart_path(member: tarfile.TarInfo, limits: ChartArchiveLimits) -> str | None:
    """Check one member and return its path below the top directory.

    Returns ``None`` for directories and for the top directory itself.
    """
    name = member.name
    if member.issym() or member.islnk() or member.isdev() or member.issparse():
        kind = _TYPE_NAMES.get(member.type, "special file")
        raise ChartArchiveError(
            f"chart archive member {name!r} is a {kind}; only files and directories are allowed",
            member=name,
        )
    if not (member.isfile() or member.isdir()):
        raise ChartArchiveError(
            f"chart archive member {name!r} has unsupported tar type {member.type!r}",
            member=name,
        )
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or _DRIVE.match(normalised):
        raise ChartArchiveError(f"chart archive member {name!r} has an absolute path", member=name)
    parts = [part for part in normalised.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ChartArchiveError(
            f"chart archive member {name!r} points outside the chart directory ('..')",
            member=name,
        )
    if member.isdir():
        return None
    if not 0 <= member.size <= limits.max_file:
        raise ChartArchiveError(
            f"chart archive member {name!r} is {member.size} bytes, "
            f"over the limit of {limits.max_file} (max_file)",
            member=name,
        )
    if len(parts) < 2:
        raise ChartArchiveError(
            f"chart archive member {name!r} is not inside a chart directory", member=name
        )
    return "/".join(parts[1:])


def _wanted_key(path: str) -> str | None:
    """Return which `ChartFiles` slot a chart path fills, if any."""
    if path in ("Chart.yaml", "values.yaml", "values.schema.json"):
        return path
    lowered = path.lower()
    return lowered if lowered in _README_NAMES else None


def _subchart_path(path: str) -> bool:
    """Tell whether a chart path is a file the subchart tree needs."""
    parts = path.split("/")
    if len(parts) < 2 or parts[0] != "charts":
        return False
    if parts[-1] in _SUBCHART_FILES:
        return True
    return parts[-1].endswith(".tgz") and parts[-2] == "charts"


def read_chart_archive(
    data: bytes, limits: ChartArchiveLimits = ChartArchiveLimits()
) -> ChartFiles:
    """Return the top-level text files and the subcharts of a ``helm package`` archive.

    Reads ``<top>/Chart.yaml``, ``<top>/values.yaml``, ``<top>/values.schema.json``
    and the README (``README.md``, ``README.txt`` or ``README``, any case,
    first match in that order).  The name of the top directory does not
    matter, as with Helm.  Subcharts are read as the module docstring says.

    Raises:
        ChartArchiveError: the archive is not a gzip'd tar, is empty,
            truncated or corrupt, holds an unsafe member, names one of the four files
            twice, or exceeds a limit; ``member`` names the culprit.
    """
    budget = _Budget()
    found = _read_members(data, limits, budget)
    readme = next((found[name] for name in _README_NAMES if name in found), None)
    subcharts: tuple[Subchart, ...] = ()
    error = None
    try:
        subcharts = _subcharts(found, "", limits, budget, depth=1)
    except ChartArchiveError as exc:
        error = exc.message
    return ChartFiles(
        chart_yaml=_text(found.get("Chart.yaml")),
        values_yaml=_text(found.get("values.yaml")),
        readme=_text(readme),
        values_schema_json=_text(found.get("values.schema.json")),
        subcharts=subcharts,
        subcharts_error=error,
    )


def _text(content: bytes | None) -> str | None:
    return content.decode("utf-8", errors="replace") if content is not None else None


def _read_members(data: bytes, limits: ChartArchiveLimits, budget: _Budget) -> dict[str, bytes]:
    """Return the wanted members of one archive by chart path (READMEs lower-cased)."""
    if len(data) > limits.max_compressed:
        raise ChartArchiveError(
            f"chart archive is {len(data)} bytes, "
            f"over the limit of {limits.max_compressed} (max_compressed)"
        )
    if data[:2] != b"\x1f\x8b":
        raise ChartArchiveError("chart archive is not gzip-compressed")
    found: dict[str, bytes] = {}
    count = 0
    try:
        # _BoundedGunzip offers only the read() that stream mode ("r|") uses.
        with tarfile.open(  # type: ignore[call-overload]
            fileobj=_BoundedGunzip(data, limits, budget),
            mode="r|",
            tarinfo=_StrictTarInfo,
        ) as archive:
            for member in archive:
                count += 1
                budget.members += 1
                if budget.members > limits.max_members:
                    raise ChartArchiveError(
                        f"chart archive has more than {limits.max_members} members (max_members)"
                    )
                path = _chart_path(member, limits)
                if path is None:
                    continue
                key = _wanted_key(path) or (path if _subchart_path(path) else None)
                if key is None:
                    continue
                if key in found:
                    raise ChartArchiveError(
                        f"chart archive contains {path!r} more than once", member=member.name
                    )
                stream = archive.extractfile(member)
                found[key] = stream.read() if stream is not None else b""
    except (tarfile.TarError, EOFError) as exc:
        raise ChartArchiveError(f"chart archive is not a valid tar file: {exc}") from exc
    if count == 0:
        raise ChartArchiveError("chart archive is empty")
    return found


def _subcharts(found: dict[str, bytes], prefix: str, limits: ChartArchiveLimits,
               budget: _Budget, depth: int) -> tuple[Subchart, ...]:
    """Return the subcharts under ``<prefix>charts/``, in name order, as helm loads them."""
    below = f"{prefix}charts/"
    names = sorted({path[len(below):].split("/", 1)[0]
                    for path in found if path.startswith(below)})
    names = [n for n in names if not n.startswith(("_", "."))]  # helm skips these
    if names and depth > MAX_SUBCHART_DEPTH:
        raise ChartArchiveError(f"subcharts are nested more than {MAX_SUBCHART_DEPTH} levels "
                                f"deep (at {below!r})")
    out = []
    for name in names:
        budget.subcharts += 1
        if budget.subcharts > MAX_SUBCHARTS:
            raise ChartArchiveError(f"chart has more than {MAX_SUBCHARTS} subcharts")
        path = below + name
        if name.endswith(".tgz") and path in found:
            try:
                nested = _read_members(found[path], limits, budget)
            except ChartArchiveError as exc:
                raise ChartArchiveError(f"subchart {path}: {exc.message}",
                                        member=path) from exc
            out.append(_subchart(nested, "", limits, budget, depth))
        elif f"{path}/Chart.yaml" in found:
            out.append(_subchart(found, f"{path}/", limits, budget, depth))
    return tuple(out)


def _subchart(found: dict[str, bytes], prefix: str, limits: ChartArchiveLimits,
              budget: _Budget, depth: int) -> Subchart:
    return Subchart(
        chart_yaml=_text(found.get(f"{prefix}Chart.yaml")),
        values_yaml=_text(found.get(f"{prefix}values.yaml")),
        values_schema_json=_text(found.get(f"{prefix}values.schema.json")),
        subcharts=_subcharts(found, prefix, limits, budget, depth + 1),
    )
