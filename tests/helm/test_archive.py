"""Tests for read_chart_archive: real chart tarballs, hostile ones, limits."""

from __future__ import annotations

import gzip
import io
import os
import random
import tarfile
import time
import tracemalloc
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pytest

from chartyard.helm import (
    MAX_SUBCHART_DEPTH,
    MAX_SUBCHARTS,
    ChartArchiveError,
    ChartArchiveLimits,
    ChartFiles,
    Subchart,
    read_chart_archive,
)

MiB = 1024 * 1024


@dataclass
class Entry:
    """One tar member to write; ``data`` is ignored for non-files."""

    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    pax: dict[str, str] = field(default_factory=dict)


def tar_bytes(entries: Iterable[Entry], *, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    """Build a deterministic, uncompressed tar (mtime 0, root-owned)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = entry.type
            info.mtime = 0
            info.mode = 0o755 if entry.type == tarfile.DIRTYPE else 0o644
            info.linkname = entry.linkname
            info.pax_headers = dict(entry.pax)
            if entry.type == tarfile.REGTYPE:
                info.size = len(entry.data)
                archive.addfile(info, io.BytesIO(entry.data))
            else:
                archive.addfile(info)
    return buf.getvalue()


def tgz(entries: Iterable[Entry]) -> bytes:
    return gzip.compress(tar_bytes(entries), mtime=0)


CHART_YAML = b"apiVersion: v2\nname: podinfo\nversion: 6.7.1\nappVersion: 6.7.1\n"
VALUES_YAML = b"replicaCount: 1\nimage:\n  repository: ghcr.io/stefanprodan/podinfo\n"
SCHEMA_JSON = b'{"$schema": "https://json-schema.org/draft-07/schema#", "type": "object"}'


def podinfo_entries() -> list[Entry]:
    return [
        Entry("podinfo/Chart.yaml", CHART_YAML),
        Entry("podinfo/values.yaml", VALUES_YAML),
        Entry("podinfo/values.schema.json", SCHEMA_JSON),
        Entry("podinfo/README.md", "# Podinfo\n\nMade with ❤️\n".encode()),
        Entry("podinfo/templates/deployment.yaml", b"kind: Deployment\n"),
        Entry("podinfo/templates/NOTES.txt", b"notes\n"),
        Entry("podinfo/charts/redis/Chart.yaml", b"name: redis\nversion: 1.0.0\n"),
        Entry("podinfo/charts/redis/values.yaml", b"sub: chart\n"),
        Entry("podinfo/charts/redis/README.md", b"redis readme\n"),
        Entry("podinfo/.helmignore", b".git\n"),
    ]


# ---------------------------------------------------------------- good charts


def test_reads_top_level_files_and_subcharts() -> None:
    files = read_chart_archive(tgz(podinfo_entries()))
    assert files == ChartFiles(
        chart_yaml=CHART_YAML.decode(),
        values_yaml=VALUES_YAML.decode(),
        readme="# Podinfo\n\nMade with ❤️\n",
        values_schema_json=SCHEMA_JSON.decode(),
        subcharts=(Subchart(chart_yaml="name: redis\nversion: 1.0.0\n",
                            values_yaml="sub: chart\n"),),
    )


def test_missing_optional_files_are_none() -> None:
    files = read_chart_archive(tgz([Entry("mini/Chart.yaml", CHART_YAML)]))
    assert files.chart_yaml == CHART_YAML.decode()
    assert files.values_yaml is None
    assert files.readme is None
    assert files.values_schema_json is None


def test_subchart_files_are_not_mistaken_for_top_level() -> None:
    files = read_chart_archive(
        tgz([Entry("app/Chart.yaml", CHART_YAML), Entry("app/charts/db/values.yaml", b"db: 1\n")])
    )
    assert files.values_yaml is None


def test_directory_entries_and_dot_prefix_are_accepted() -> None:
    entries = [
        Entry("./app", type=tarfile.DIRTYPE),
        Entry("./app/templates", type=tarfile.DIRTYPE),
        Entry("./app/Chart.yaml", CHART_YAML),
        Entry("./app/templates/cm.yaml", b"kind: ConfigMap\n"),
    ]
    assert read_chart_archive(tgz(entries)).chart_yaml == CHART_YAML.decode()


@pytest.mark.parametrize(
    "names,expected",
    [
        (["readme.MD"], "readme.MD"),
        (["README"], "README"),
        (["README.txt", "README.md"], "README.md"),
        (["Readme.txt", "readme"], "Readme.txt"),
        (["README.rst"], None),
    ],
)
def test_readme_is_found_case_insensitively(names: list[str], expected: str | None) -> None:
    entries = [Entry("c/Chart.yaml", CHART_YAML)]
    entries += [Entry(f"c/{name}", name.encode()) for name in names]
    assert read_chart_archive(tgz(entries)).readme == expected


def test_chart_yaml_name_is_case_sensitive_like_helm() -> None:
    assert read_chart_archive(tgz([Entry("c/chart.yaml", CHART_YAML)])).chart_yaml is None


def test_invalid_utf8_is_replaced() -> None:
    files = read_chart_archive(tgz([Entry("c/values.yaml", b"name: caf\xe9\n")]))
    assert files.values_yaml == "name: caf\ufffd\n"


def test_long_names_via_pax_and_gnu_headers() -> None:
    deep = "c/templates/" + "d" * 150 + "/x.yaml"
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        data = gzip.compress(
            tar_bytes([Entry(deep, b"x"), Entry("c/values.yaml", b"v: 1\n")], fmt=fmt), mtime=0
        )
        assert read_chart_archive(data).values_yaml == "v: 1\n"


def test_concatenated_gzip_members_are_one_stream() -> None:
    raw = tar_bytes(podinfo_entries())
    split = 1024  # inside the second member's header
    data = gzip.compress(raw[:split], mtime=0) + gzip.compress(raw[split:], mtime=0)
    assert read_chart_archive(data).values_yaml == VALUES_YAML.decode()


def test_incompressible_file_at_the_size_limit_is_accepted() -> None:
    blob = os.urandom(64 * 1024)
    limits = ChartArchiveLimits(max_file=len(blob))
    files = read_chart_archive(
        tgz([Entry("c/values.yaml", b"a: 1\n"), Entry("c/b.bin", blob)]), limits
    )
    assert files.values_yaml == "a: 1\n"


# ------------------------------------------------------------ unsafe members


@pytest.mark.parametrize(
    "entry,fragment",
    [
        (Entry("../evil", b"x"), "outside the chart directory"),
        (Entry("c/../../evil", b"x"), "outside the chart directory"),
        (Entry("c/templates/../../../etc/cron.d/x", b"x"), "outside the chart directory"),
        (Entry("c\\..\\..\\evil", b"x"), "outside the chart directory"),
        (Entry("/etc/passwd", b"x"), "absolute path"),
        (Entry("C:/Windows/evil", b"x"), "absolute path"),
        (Entry("c/harmless", b"x", pax={"path": "../evil"}), "outside the chart directory"),
        (Entry("c/link", type=tarfile.SYMTYPE, linkname="/etc/passwd"), "symbolic link"),
        (Entry("c/values.yaml", type=tarfile.SYMTYPE, linkname="../../x"), "symbolic link"),
        (Entry("c/hard", type=tarfile.LNKTYPE, linkname="c/Chart.yaml"), "hard link"),
        (Entry("c/dev", type=tarfile.CHRTYPE), "character device"),
        (Entry("c/blk", type=tarfile.BLKTYPE), "block device"),
        (Entry("c/fifo", type=tarfile.FIFOTYPE), "FIFO"),
        (Entry("Chart.yaml", CHART_YAML), "not inside a chart directory"),
    ],
)
def test_unsafe_member_rejects_whole_archive(entry: Entry, fragment: str) -> None:
    # The bad member comes last, after every file we want: the whole archive
    # is still checked, and the error names the member.
    with pytest.raises(ChartArchiveError, match=fragment) as info:
        read_chart_archive(tgz([*podinfo_entries(), entry]))
    name = entry.pax.get("path", entry.name)
    assert info.value.member == name
    assert repr(name) in str(info.value)


def test_duplicate_wanted_file_is_rejected() -> None:
    entries = [Entry("c/values.yaml", b"a: 1\n"), Entry("c/values.yaml", b"a: 2\n")]
    with pytest.raises(ChartArchiveError, match="more than once"):
        read_chart_archive(tgz(entries))


# ------------------------------------------------------------------- limits


def test_too_many_members() -> None:
    entries = [Entry("c/Chart.yaml", CHART_YAML)] + [
        Entry(f"c/templates/t{i}.yaml", b"") for i in range(10)
    ]
    data = tgz(entries)
    assert read_chart_archive(data, ChartArchiveLimits(max_members=11)).chart_yaml
    with pytest.raises(ChartArchiveError, match="more than 10 members"):
        read_chart_archive(data, ChartArchiveLimits(max_members=10))


def test_too_many_members_default_limit() -> None:
    # Some content per file keeps the archive under the compression ratio
    # limit, which 5,001 empty members (all zero padding) would trip first.
    rng = random.Random(0)
    entries = [Entry(f"c/templates/t{i}.yaml", rng.randbytes(64)) for i in range(5001)]
    with pytest.raises(ChartArchiveError, match="more than 5000 members"):
        read_chart_archive(tgz(entries))


def test_huge_single_file_is_rejected_from_its_header() -> None:
    data = tgz([Entry("c/Chart.yaml", CHART_YAML), Entry("c/files/big.bin", b"\0" * (6 * MiB))])
    with pytest.raises(ChartArchiveError, match="max_file") as info:
        read_chart_archive(data)
    assert info.value.member == "c/files/big.bin"


def test_file_exactly_at_limit_is_accepted() -> None:
    limits = ChartArchiveLimits(max_file=1000)
    assert read_chart_archive(tgz([Entry("c/values.yaml", b"x" * 1000)]), limits).values_yaml
    with pytest.raises(ChartArchiveError, match="max_file"):
        read_chart_archive(tgz([Entry("c/values.yaml", b"x" * 1001)]), limits)


def test_compressed_size_limit() -> None:
    data = tgz(podinfo_entries())
    assert read_chart_archive(data, ChartArchiveLimits(max_compressed=len(data))).chart_yaml
    with pytest.raises(ChartArchiveError, match="max_compressed"):
        read_chart_archive(data, ChartArchiveLimits(max_compressed=len(data) - 1))


def test_oversized_extended_header_is_refused() -> None:
    entry = Entry("c/values.yaml", b"a: 1\n", pax={"comment": "x" * (2 * MiB)})
    with pytest.raises(ChartArchiveError, match="extended tar header"):
        read_chart_archive(tgz([entry]), ChartArchiveLimits(max_ratio=10_000))


def _zero_bomb(total: int, member_size: int) -> bytes:
    """Gzip a tar of ``total`` bytes of zero-filled members, streaming."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [b""]
    zeros = b"\0" * MiB
    for index in range(total // member_size):
        info = tarfile.TarInfo(f"bomb/templates/zeros-{index}.yaml")
        info.size = member_size
        info.mtime = 0
        out.append(compressor.compress(info.tobuf(tarfile.USTAR_FORMAT)))
        for _ in range(member_size // MiB):
            out.append(compressor.compress(zeros))
    out.append(compressor.compress(b"\0" * 1024) + compressor.flush())
    return b"".join(out)


@pytest.fixture(scope="module")
def zero_bomb() -> bytes:
    # 200 MiB of zeros in 4 MiB members: every member is under max_file, so
    # only the decompression caps can stop it.
    return _zero_bomb(200 * MiB, 4 * MiB)


def _measure(data: bytes, limits: ChartArchiveLimits) -> tuple[ChartArchiveError, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ChartArchiveError) as info:
            read_chart_archive(data, limits)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, elapsed, peak


def test_gzip_bomb_fails_fast_on_ratio(zero_bomb: bytes) -> None:
    assert len(zero_bomb) < 400 * 1024  # really is a bomb: > 500x
    error, elapsed, peak = _measure(zero_bomb, ChartArchiveLimits())
    assert "max_ratio" in str(error)
    assert elapsed < 1.0
    assert peak < 2 * MiB


def test_gzip_bomb_fails_fast_on_total_size(zero_bomb: bytes) -> None:
    # With the ratio check out of the way the 50 MiB total cap still holds.
    error, elapsed, peak = _measure(zero_bomb, ChartArchiveLimits(max_ratio=1_000_000))
    assert "max_uncompressed" in str(error)
    assert elapsed < 1.0
    assert peak < 2 * MiB


def test_single_member_bomb_with_generous_file_limit() -> None:
    bomb = _zero_bomb(200 * MiB, 200 * MiB)
    error, elapsed, peak = _measure(bomb, ChartArchiveLimits(max_file=1 << 40))
    assert "max_ratio" in str(error)
    assert elapsed < 1.0
    assert peak < 2 * MiB


def test_small_archive_under_ratio_floor_is_fine() -> None:
    # Tar pads tiny charts with zeros; below 1 MiB of output the ratio limit
    # does not apply, so this ~150x archive is accepted.
    data = tgz([Entry("c/values.yaml", b"\0" * 200_000)])
    assert len(data) * 100 < 200_000
    assert read_chart_archive(data).values_yaml == "\0" * 200_000


# -------------------------------------------------------------- malformed


def test_not_gzip() -> None:
    with pytest.raises(ChartArchiveError, match="not gzip"):
        read_chart_archive(tar_bytes(podinfo_entries()))


def test_corrupt_gzip() -> None:
    data = bytearray(tgz(podinfo_entries()))
    data[20:40] = b"\xff" * 20
    with pytest.raises(ChartArchiveError):
        read_chart_archive(bytes(data))


def test_truncated_archive() -> None:
    data = tgz(podinfo_entries())
    with pytest.raises(ChartArchiveError, match="truncated"):
        read_chart_archive(data[: len(data) // 2])


def test_gzip_of_zeros_is_an_empty_archive() -> None:
    data = gzip.compress(b"\0" * (10 * MiB), mtime=0)
    started = time.perf_counter()
    with pytest.raises(ChartArchiveError, match="empty"):
        read_chart_archive(data)
    assert time.perf_counter() - started < 0.5


def test_corrupt_header_mid_archive_is_not_treated_as_the_end() -> None:
    # Plain tarfile stops silently at a bad checksum after the first member,
    # which would hide the symlink that follows it from any check.
    raw = bytearray(
        tar_bytes(
            [
                Entry("c/Chart.yaml", CHART_YAML),
                Entry("c/x", b""),
                Entry("c/link", type=tarfile.SYMTYPE, linkname="/etc/shadow"),
            ],
            fmt=tarfile.USTAR_FORMAT,
        )
    )
    second_header = 512 + 512  # header + one data block of Chart.yaml
    raw[second_header + 100] ^= 0xFF  # inside the mode field: checksum now wrong
    with tarfile.open(fileobj=io.BytesIO(bytes(raw))) as lenient:
        assert lenient.getnames() == ["c/Chart.yaml"]
    with pytest.raises(ChartArchiveError, match="corrupt tar header"):
        read_chart_archive(gzip.compress(bytes(raw), mtime=0))


def test_error_is_value_error() -> None:
    assert issubclass(ChartArchiveError, ValueError)


@pytest.mark.parametrize("name", ["max_compressed", "max_members", "max_ratio"])
@pytest.mark.parametrize("value", [0, -1])
def test_limits_must_be_positive(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=name):
        ChartArchiveLimits(**{name: value})


def test_builder_is_deterministic() -> None:
    # The tests above rely on this: same entries, same bytes.
    assert tgz(podinfo_entries()) == tgz(podinfo_entries())


# ---------------------------------------------------------------- subcharts


def _sub_entries(top: str, name: str, *, schema: bytes | None = None) -> list[Entry]:
    out = [Entry(f"{top}/Chart.yaml", f"name: {name}\nversion: 1.0.0\n".encode()),
           Entry(f"{top}/values.yaml", f"who: {name}\n".encode())]
    if schema is not None:
        out.append(Entry(f"{top}/values.schema.json", schema))
    return out


def test_packaged_and_unpacked_subcharts_are_read_recursively() -> None:
    inner = tgz(_sub_entries("inner", "inner", schema=b"{}"))
    packed = tgz([*_sub_entries("packed", "packed"),
                  Entry("packed/charts/inner-1.0.0.tgz", inner),
                  Entry("packed/templates/x.yaml", b"kind: X\n")])
    files = read_chart_archive(tgz([
        Entry("top/Chart.yaml", CHART_YAML),
        *_sub_entries("top/charts/unpacked", "unpacked"),
        Entry("top/charts/packed-1.0.0.tgz", packed),
        *_sub_entries("top/charts/_skipped", "skipped"),
        Entry("top/charts/.hidden.tgz", packed),
    ]))
    assert files.subcharts_error is None
    names = [(s.chart_yaml or "").split("\n")[0] for s in files.subcharts]
    assert names == ["name: packed", "name: unpacked"]
    packed_sub = files.subcharts[0]
    assert packed_sub.values_yaml == "who: packed\n"
    assert packed_sub.subcharts == (Subchart(chart_yaml="name: inner\nversion: 1.0.0\n",
                                             values_yaml="who: inner\n",
                                             values_schema_json="{}"),)


def test_too_many_subcharts_is_reported_not_raised() -> None:
    entries = [Entry("top/Chart.yaml", CHART_YAML)]
    for i in range(MAX_SUBCHARTS + 1):
        entries += _sub_entries(f"top/charts/s{i:03}", f"s{i}")
    files = read_chart_archive(tgz(entries))
    assert files.chart_yaml == CHART_YAML.decode()  # the top level is still read
    assert files.subcharts == ()
    assert files.subcharts_error == f"chart has more than {MAX_SUBCHARTS} subcharts"


def test_too_deep_subcharts_are_reported_not_raised() -> None:
    entries = [Entry("top/Chart.yaml", CHART_YAML)]
    path = "top"
    for level in range(MAX_SUBCHART_DEPTH + 1):
        path += f"/charts/l{level}"
        entries += _sub_entries(path, f"l{level}")
    files = read_chart_archive(tgz(entries))
    assert files.subcharts == ()
    assert files.subcharts_error is not None
    assert f"nested more than {MAX_SUBCHART_DEPTH} levels deep" in files.subcharts_error
    # One level less is read in full.
    cut = [e for e in entries if f"/l{MAX_SUBCHART_DEPTH}/" not in e.name]
    assert read_chart_archive(tgz(cut)).subcharts_error is None


def test_nested_archive_counts_against_the_outer_caps() -> None:
    # Each archive alone is under the cap; together they are over it.
    noise = random.Random(7).randbytes(3 * MiB // 2)
    bomb = tgz([Entry("b/Chart.yaml", b"name: b\n"), Entry("b/noise", noise)])
    limits = ChartArchiveLimits(max_uncompressed=5 * MiB // 2)
    assert read_chart_archive(bomb, limits).chart_yaml == "name: b\n"
    outer = tgz([Entry("top/Chart.yaml", CHART_YAML),
                 Entry("top/charts/b-1.0.0.tgz", bomb)])
    files = read_chart_archive(outer, limits)
    assert files.chart_yaml == CHART_YAML.decode()
    assert files.subcharts_error is not None
    assert files.subcharts_error.startswith("subchart charts/b-1.0.0.tgz: ")
    assert "max_uncompressed" in files.subcharts_error


def test_unsafe_member_in_a_nested_archive_is_reported() -> None:
    nested = tgz([Entry("n/Chart.yaml", b"name: n\n"),
                  Entry("n/link", type=tarfile.SYMTYPE, linkname="/etc/passwd")])
    files = read_chart_archive(tgz([Entry("top/Chart.yaml", CHART_YAML),
                                    Entry("top/charts/n-1.0.0.tgz", nested)]))
    assert files.subcharts_error is not None and "symbolic link" in files.subcharts_error
