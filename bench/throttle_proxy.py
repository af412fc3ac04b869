"""A throttling registry front: a token bucket that answers 429 with Retry-After when empty.

Every request takes one token; the bucket refills at ``--rate`` tokens per second up
to ``--burst``. With no token left the proxy answers ``429 Too Many Requests`` with
``Retry-After`` (whole seconds, as HTTP wants: the time until a token is back,
rounded up) and does not reach the registry; otherwise it forwards the request.
It counts both and prints the counts on SIGTERM. Run it as a process of its own:

    python -m bench.throttle_proxy --target http://127.0.0.1:5000 --rate 100

It prints ``listening <port>`` once ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server",
        "content-encoding"}


class Bucket:
    """A token bucket of ``rate`` per second holding at most ``burst`` tokens."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> float:
        """Take a token: return 0, or the seconds until one is back (nothing taken)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def make_app(target: str, rate: float, burst: int, counts: dict[str, int]) -> object:
    """Return the ASGI app that throttles and forwards to ``target``."""
    bucket = Bucket(rate, burst)
    client = httpx.AsyncClient(base_url=target, timeout=120, trust_env=False,
                               limits=httpx.Limits(max_connections=64))

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)  # type: ignore[arg-type]
        wait = bucket.take()
        if wait > 0:
            counts["throttled"] += 1
            response = Response(b'{"errors":[{"code":"TOOMANYREQUESTS"}]}', status_code=429,
                                headers={"Retry-After": str(max(1, math.ceil(wait))),
                                         "Content-Type": "application/json"})
        else:
            counts["forwarded"] += 1
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            upstream = await client.request(request.method, request.url.path,
                                            params=request.url.query or None, headers=headers,
                                            content=await request.body())
            kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP}
            response = Response(upstream.content, status_code=upstream.status_code,
                                headers=kept)
        await response(scope, receive, send)  # type: ignore[arg-type]

    return app


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until SIGTERM, then write the counts to ``--counts`` (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--target", required=True, help="registry base URL")
    parser.add_argument("--rate", type=float, default=100.0, help="tokens per second")
    parser.add_argument("--burst", type=int, default=100, help="bucket size")
    parser.add_argument("--counts", type=Path, required=True, help="where to write the counts")
    args = parser.parse_args(argv)
    counts = {"throttled": 0, "forwarded": 0}
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)  # connections queue until the server accepts them
    config = uvicorn.Config(make_app(args.target, args.rate, args.burst, counts),  # type: ignore[arg-type]
                            log_level="warning", access_log=False, loop="uvloop",
                            lifespan="off")
    server = uvicorn.Server(config)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(server.serve(sockets=[sock]))
        print(f"listening {sock.getsockname()[1]}", flush=True)  # it listens already
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        args.counts.write_text(json.dumps(counts))
        server.should_exit = True
        await task

    asyncio.run(serve())


class ThrottleProxy:
    """Run the proxy as a subprocess; ``url`` is the throttled address of the registry."""

    def __init__(self, target: str, counts: Path, rate: float = 100.0, burst: int = 100) -> None:
        self.rate, self.burst, self._counts = rate, burst, counts
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.throttle_proxy", "--target", target,
             "--rate", str(rate), "--burst", str(burst), "--counts", str(counts)],
            stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.close()
            raise RuntimeError(f"the throttling proxy did not start (printed {line!r})")
        self.url = f"http://127.0.0.1:{line[1]}"

    def close(self) -> dict[str, int]:
        """Stop the proxy; return how many requests it throttled and forwarded."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        try:
            return dict(json.loads(self._counts.read_text()))
        except (OSError, ValueError):
            return {"throttled": -1, "forwarded": -1}


if __name__ == "__main__":
    main()
