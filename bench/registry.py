"""Start the benchmark's own docker-registry: plain HTTP, filesystem storage, on loopback.

The registry's storage directory is a cache under the work directory, keyed by
the corpus parameters, so a second run with the same corpus skips the push.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.harness.registry import RegistryServer

READY_MARKER = ".corpus-complete"


class BenchRegistry:
    """A plain-HTTP docker-registry whose data directory is `storage` (kept after close)."""

    def __init__(self, work_dir: Path, storage: Path) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        storage.mkdir(parents=True, exist_ok=True)
        self.storage = storage
        self.server = RegistryServer("plain", base_dir=work_dir, start=False)
        # The harness made an empty data dir and wrote it into the config; point it at ours.
        shutil.rmtree(self.server.data_dir)
        self.server.data_dir.symlink_to(storage.resolve(), target_is_directory=True)
        self.server.start()

    @property
    def url(self) -> str:
        """Return the registry's base URL (http://127.0.0.1:PORT)."""
        return self.server.url

    @property
    def port(self) -> int:
        """Return the registry's port."""
        return self.server.port

    @property
    def pid(self) -> int:
        """Return the registry process's id (to read its CPU time)."""
        proc = self.server._proc
        assert proc is not None, "the registry is not running"
        return proc.pid

    @property
    def corpus_ready(self) -> bool:
        """Return whether the storage already holds a completely pushed corpus."""
        return (self.storage / READY_MARKER).exists()

    def mark_corpus_ready(self) -> None:
        """Record that the corpus push finished."""
        (self.storage / READY_MARKER).write_text("ok\n")

    def close(self) -> None:
        """Stop the registry and remove its temp dir; the storage cache stays."""
        self.server.close()
