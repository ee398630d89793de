"""_module: check mode makes the client read-only, behind ModuleManager.write (no request is sent here)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils import basic

from ansible_collections.adcops.netscaler.plugins.module_utils._module import ModuleManager, NitroModule


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
