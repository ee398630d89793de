"""The pool_member role's plan step: every variable checked in Python before any request, named by the role variable
(the role's first task; it sends nothing, so a refusal here is a run with zero requests)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.adcops.netscaler.plugins.action.role_plan import role_variables
from ansible_collections.adcops.netscaler.plugins.module_utils._validate import InvalidOptions
from ansible_collections.adcops.netscaler.plugins.plugin_utils import role_plan

SPEC, KNOWN = role_variables("pool_member")


def plan(**given):
    return role_plan.plan("pool_member", {f"pool_member_{k}": v for k, v in given.items()}, KNOWN)


def test_survey_strings_are_normalised_for_the_module():
    out = plan(state="drained", pools="web, api", address="127.0.0.11", port="8080", delay="", drain_timeout="30",
               on_timeout="force", allow_last="false", up_timeout="60")  # fmt: skip
    assert out == {"state": "drained", "pools": ["web", "api"], "address": "127.0.0.11", "port": "8080",
                   "drain_timeout": 30, "up_timeout": 60, "on_timeout": "force", "allow_last": False}  # fmt: skip
    assert json.loads(json.dumps(out)) == out
    by_name = plan(state="enabled", pools=["web"], services=["web1"], address="not-an-ip")
    assert by_name["services"] == ["web1"] and "address" not in by_name  # the default address is not used


def test_every_bad_input_at_once_named_by_the_role_variable():
    with pytest.raises(InvalidOptions) as err:
        role_plan.plan(
            "pool_member",
            {"pool_member_state": "drain", "pool_member_pools": "", "pool_member_address": "web1",
             "pool_member_port": "http", "pool_member_drain_timeout": "-1", "pool_member_on_timeout": "wait",
             "pool_member_allow_last": "maybe", "pool_member_up_timout": 5},
            KNOWN,
        )  # fmt: skip
    message = str(err.value)
    for expected in (
        "pool_member_state: 'drain'",
        "pool_member_pools: name at least one lbvserver",
        "pool_member_address: 'web1' is not a valid IP address; set it (or ansible_host)",
        "pool_member_port: 'http' is not a valid port",
        "pool_member_drain_timeout: -1 is out of range",
        "pool_member_on_timeout: 'wait'",
        "pool_member_allow_last: 'maybe' is not a boolean",
        "pool_member_up_timout: not a variable of this role; did you mean pool_member_up_timeout?",
    ):
        assert expected in message, message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"pools": "web"}, "pool_member_state: required"),
        ({"state": "enabled", "pools": "web", "address": "127.0.0.1", "delay": 5}, "pool_member_delay: applies only"),
        ({"state": "drained", "pools": "web", "services": "a", "port": 80}, "pool_member_port: applies to"),
        ({"state": "drained", "pools": "bad/name", "address": "127.0.0.1"}, "pool_member_pools[0]: 'bad/name'"),
    ],
)
def test_refusals(given, expected):
    with pytest.raises(InvalidOptions, match=expected.replace("[", r"\[").replace("]", r"\]")):
        plan(**given)
