"""Read what the machine did during a phase: CPU time of processes and CPU contention.

Absolute times on a shared machine move with everyone else's load, so each
phase also records the CPU seconds that the client and the registry spent and
how much of the phase some task on the machine was waiting for a CPU
(`/proc/pressure/cpu`). CPU seconds are steady from run to run where wall time
is not.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

_PRESSURE = Path("/proc/pressure/cpu")


def process_cpu(pid: int) -> float:
    """Return the user+system CPU seconds a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """Return the user+system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _pressure_total() -> float | None:
    try:
        some = _PRESSURE.read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(some.rsplit("total=", 1)[1]) / 1e6


@dataclass
class Phase:
    """Wall time, CPU seconds of the server processes, and CPU contention of one phase."""

    pids: dict[str, int]
    started: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    pressure: float | None = None
    wall: float = 0.0
    contention: float | None = None

    def __enter__(self) -> Phase:
        self.started = time.perf_counter()
        self.cpu = {name: process_cpu(pid) for name, pid in self.pids.items()}
        self.pressure = _pressure_total()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = {name: process_cpu(pid) - self.cpu[name] for name, pid in self.pids.items()}
        end = _pressure_total()
        if end is not None and self.pressure is not None and self.wall > 0:
            self.contention = min(1.0, (end - self.pressure) / self.wall)
