"""An emulated WAN: a TCP proxy that delays every byte by a fixed time in each direction.

Each direction is a pipe with latency but no bandwidth cap: a chunk read at time
t is written at t + delay, in order, so requests in flight overlap as they would
on a long fat link. A new connection first waits one round trip, as a TCP
handshake to a distant host does. Run it as a process of its own so it does not
share an event loop (or the GIL) with what it measures:

    python -m bench.wan_proxy --target 127.0.0.1:5000 --delay-ms 15

It prints ``listening <port>`` once ready and runs until terminated.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import Sequence

_READ = 256 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not chunk:
                with contextlib.suppress(OSError):
                    writer.write_eof()
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            chunk = await reader.read(_READ)
            queue.put_nowait((loop.time() + delay, chunk))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        if not sender.done():
            sender.cancel()


async def _handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                  host: str, port: int, delay: float) -> None:
    try:
        await asyncio.sleep(2 * delay)  # the handshake's round trip
        upstream_r, upstream_w = await asyncio.open_connection(host, port)
    except (OSError, asyncio.CancelledError):
        client_w.close()
        return
    try:
        await asyncio.gather(_pipe(client_r, upstream_w, delay),
                             _pipe(upstream_r, client_w, delay))
    except asyncio.CancelledError:
        pass  # the proxy is shutting down
    finally:
        for w in (client_w, upstream_w):
            w.close()


async def serve(target: str, delay_ms: float, port: int = 0) -> None:
    """Listen on 127.0.0.1:`port` and relay to `target` with `delay_ms` each way."""
    host, _, tport = target.rpartition(":")
    delay = delay_ms / 1000
    server = await asyncio.start_server(
        lambda r, w: _handle(r, w, host, int(tport), delay), "127.0.0.1", port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the proxy until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", required=True, help="host:port to relay to")
    parser.add_argument("--delay-ms", type=float, default=15.0, help="one-way delay")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any)")
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.target, args.delay_ms, args.port))
    else:
        uvloop.run(serve(args.target, args.delay_ms, args.port))


class WanProxy:
    """Run the proxy as a subprocess; `url` is the delayed address of the target."""

    def __init__(self, target: str, delay_ms: float = 15.0) -> None:
        self.delay_ms = delay_ms
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.wan_proxy", "--target", target,
             "--delay-ms", str(delay_ms)],
            stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.close()
            raise RuntimeError(f"the WAN proxy did not start (printed {line!r})")
        self.port = int(line[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop the proxy."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


if __name__ == "__main__":
    main()
