"""`python -m tests.nitro_sim --bind 127.0.0.1:0 [--tls] ...`: prints the URL as the first stdout line."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .runtime import DEFAULT_ALLOW
from .simulator import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.nitro_sim", description="NetScaler NITRO simulator")
    parser.add_argument("--bind", default="127.0.0.1:0", help="HOST:PORT to listen on (port 0: a free port)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed certificate")
    parser.add_argument("--user", default="nsroot")
    parser.add_argument("--password", default="nsroot")
    parser.add_argument("--state-file", help="load the configuration from this JSON file and save it there")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiply every timer by this factor")
    parser.add_argument("--session-timeout", type=float, default=1800, help="session idle timeout (seconds)")
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="delay every NITRO request by this many milliseconds"
    )
    parser.add_argument(
        "--probe-allow",
        action="append",
        metavar="CIDR",
        help=f"networks health probes may contact (repeatable; default {' and '.join(DEFAULT_ALLOW)})",
    )
    args = parser.parse_args(argv)
    sim = Simulator(
        user=args.user,
        password=args.password,
        tls=args.tls,
        time_scale=args.time_scale,
        session_timeout=args.session_timeout,
        state_file=args.state_file,
        probe_allow=tuple(args.probe_allow) if args.probe_allow else DEFAULT_ALLOW,
        bind=args.bind,
        latency_ms=args.latency_ms,
    )
    sim.start()
    print(sim.url, flush=True)
    if sim.cert_path:
        print(f"certificate: {sim.cert_path}", file=sys.stderr, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
