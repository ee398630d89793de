"""_module: the verbs (read, plan, apply, report), and check mode making the client read-only behind
ModuleManager.write (no request is sent here)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.adcops.netscaler.plugins.module_utils._module import Change, ModuleManager, NitroModule


def nitro_module(monkeypatch: pytest.MonkeyPatch, check_mode: bool) -> NitroModule:
    args = {"nsip": "127.0.0.1:9", "nitro_user": "u", "nitro_pass": "p", "_ansible_check_mode": check_mode}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)  # ansible-core 2.19 needs one
    return NitroModule({})


@pytest.mark.parametrize("check_mode", [True, False])
def test_client_is_read_only_exactly_in_check_mode(monkeypatch: pytest.MonkeyPatch, check_mode: bool) -> None:
    nitro = nitro_module(monkeypatch, check_mode)
    assert nitro.check_mode is check_mode
    assert nitro.client.read_only is check_mode


def test_write_gate_runs_nothing_in_check_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    manager = ModuleManager(nitro_module(monkeypatch, True))
    assert manager.write(calls.append, 1) is None and calls == []
    manager = ModuleManager(nitro_module(monkeypatch, False))
    manager.write(calls.append, 2)
    assert calls == [2]


class Verbs(ModuleManager):
    """A manager that records the verbs: one planned write, a read-back and a settle step."""

    def __init__(self, nitro: NitroModule, writes: int = 1) -> None:
        super().__init__(nitro)
        self.log: list[str] = []
        self.writes = writes

    def read(self) -> dict[str, Any]:
        self.log.append("read")
        return {"x": 1}

    def plan(self, current: dict[str, Any]) -> Change:
        self.log.append("plan")
        change = Change(before=current, after={"x": 2}, predicted={"x": 2, "predicted": True})
        change.read_back = lambda: self.log.append("read_back") or {"x": 2, "read": True}
        change.after_of = lambda shown: {"x": shown["x"]}
        for _ in range(self.writes):
            change.write(self.log.append, "write")
        return change

    def settle(self, change: Change, shown: Any) -> Any:
        self.log.append("settle")
        return shown

    def returns(self, change: Change, shown: Any) -> dict[str, Any]:
        return {"thing": shown}


@pytest.mark.parametrize("check_mode", [True, False])
def test_the_verbs_decide_prediction_or_read_back(monkeypatch: pytest.MonkeyPatch, check_mode: bool) -> None:
    nitro = nitro_module(monkeypatch, check_mode)
    nitro.diff_mode = True
    manager = Verbs(nitro)
    result = manager.run()
    if check_mode:
        assert manager.log == ["read", "plan"]  # no write, no read-back, no waiting
        assert result["thing"] == {"x": 2, "predicted": True}
    else:
        assert manager.log == ["read", "plan", "write", "read_back", "settle"]
        assert result["thing"] == {"x": 2, "read": True}
    assert result["changed"] is True and result["diff"] == {"before": {"x": 1}, "after": {"x": 2}}
    assert "recreated" not in result


def test_nothing_to_write_shows_the_prediction_without_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = Verbs(nitro_module(monkeypatch, False), writes=0)
    result = manager.run()
    assert manager.log == ["read", "plan", "settle"]
    assert result == {"changed": False, "thing": {"x": 2, "predicted": True}}


def test_change_is_changed_by_a_write_or_by_other_changes() -> None:
    change = Change()
    assert not change.changed
    change.other_changes = True
    assert change.changed
    change = Change(recreated=[])
    change.write(print, "x")
    assert change.changed and len(change.writes) == 1
