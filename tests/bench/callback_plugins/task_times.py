"""Bench only: how long each task of a run took (from its start to the next task's), written as JSON to the file
named by BENCH_TASK_TIMES. A task's time includes its worker's fork, templating, the action and the result's trip
back to the strategy; the run's start-up before the first task is the rest of the wall time."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.current: tuple[str, str, float] | None = None

    def _close(self, now: float) -> None:
        if self.current:
            name, action, started = self.current
            self.rows.append({"task": name, "action": action, "s": round(now - started, 4)})
            self.current = None

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        now = time.monotonic()
        self._close(now)
        self.current = (task.get_name(), task.action, now)

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        self._close(time.monotonic())
        path = os.environ.get("BENCH_TASK_TIMES")
        if path:
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(self.rows, fh)
