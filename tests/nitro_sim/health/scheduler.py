"""The probe scheduler: one thread, a heap of due probes and a small worker pool, so 1,000 services never
means 1,000 threads."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class Scheduler:
    def __init__(self, fire: Callable[[Any, int], None], workers: int = 8, idle: Callable[[], None] | None = None):
        self._fire = fire
        self._idle = idle
        self._heap: list[tuple[float, int, Any, int]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop = False
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="nitro-sim-probe")
        self._thread = threading.Thread(target=self._run, name="nitro-sim-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._heap.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def schedule(self, key: Any, token: int, delay: float) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), key, token))
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()

    def _run(self) -> None:
        while True:
            if self._idle is not None:
                # The engine must survive a bad configuration snapshot.
                with contextlib.suppress(Exception):
                    self._idle()
            with self._cond:
                if self._stop:
                    return
                now = time.monotonic()
                due: list[tuple[Any, int]] = []
                while self._heap and self._heap[0][0] <= now:
                    _, _, key, token = heapq.heappop(self._heap)
                    due.append((key, token))
                if not due:
                    wait = self._heap[0][0] - now if self._heap else 0.5
                    self._cond.wait(timeout=min(wait, 0.5))
                    continue
            pool = self._pool
            if pool is None:
                return
            for key, token in due:
                try:
                    pool.submit(self._fire, key, token)
                except RuntimeError:  # pool shut down under us
                    return
