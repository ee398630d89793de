"""The `Simulator` object: one NITRO appliance served over HTTP or HTTPS on a loopback port."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable
from typing import Any

from .appliance import Appliance
from .runtime import DEFAULT_ALLOW
from .server import SimCore, SimHTTPServer
from .tls import make_self_signed, server_context


class Simulator:
    """A running NITRO simulator (see tests/nitro_sim/README.md).

    ``health_factory(appliance) -> hook`` replaces the default runtime health hook (runtime.StaticHealth);
    the appliance exposes ``probe_allow`` and ``clock`` for it.
    """

    def __init__(
        self,
        user: str = "nsroot",
        password: str = "nsroot",
        *,
        tls: bool = False,
        time_scale: float = 1.0,
        session_timeout: float = 1800,
        state_file: str | None = None,
        probe_allow: Iterable[str] = DEFAULT_ALLOW,
        health_factory: Callable[[Appliance], Any] | None = None,
        bind: str = "127.0.0.1:0",
        latency_ms: float = 0,
    ) -> None:
        self.user = user
        self.password = password
        self.tls = tls
        self.bind = bind
        self.core = SimCore(
            user,
            password,
            session_timeout=session_timeout,
            time_scale=time_scale,
            probe_allow=probe_allow,
            health_factory=health_factory,
            latency_ms=latency_ms,
        )
        if state_file:
            self.core.attach_state_file(state_file)
        self._httpd: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tls_dir: str | None = None
        self.cert_path: str | None = None
        self.key_path: str | None = None

    @property
    def appliance(self) -> Appliance:
        return self.core.appliance

    @property
    def health(self) -> Any:
        return self.core.appliance.health

    def start(self) -> Simulator:
        host, _, port = self.bind.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        ctx = None
        if self.tls:
            self.cert_path, self.key_path = make_self_signed(host=host)
            self._tls_dir = self.cert_path.rsplit("/", 1)[0]
            ctx = server_context(self.cert_path, self.key_path)
        self._httpd = SimHTTPServer((host, int(port or 0)), self.core, ctx)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="nitro-sim", daemon=True)
        self._thread.start()
        self.appliance.health.start()
        return self

    def stop(self) -> None:
        self.appliance.health.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.core.flush_state()
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "simulator not started"
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        assert self._httpd is not None, "simulator not started"
        return str(self._httpd.server_address[0])

    @property
    def nsip(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.nsip}"

    # In-process conveniences (the HTTP control API offers the same).
    def reset(self) -> None:
        self.core.reset()

    def set_time_scale(self, factor: float) -> None:
        self.core.set_time_scale(factor)
