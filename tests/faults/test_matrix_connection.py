"""Connection mistakes a new user makes, each failing with a message that names the fix (issue 24): the wrong
nitro_protocol for the port, a rejected password, a misspelled NETSCALER_* variable, a vserver name that does not
exist given to a task that only changes existing vservers."""

from __future__ import annotations

from tests.faults.conftest import PASSWORD, Row, outcome, run


def test_https_to_a_plain_http_port(msim, row: Row) -> None:
    row.expected = "fails at once: server did not answer TLS, use nitro_protocol: http"
    result = run(msim, "ns_save_config", {}, nitro_protocol="https")
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert "did not answer TLS" in result["msg"] and "nitro_protocol: http" in result["msg"]
    assert "certificate could not be verified" not in result["msg"]
    assert "after 1 attempt(s)" in result["msg"]
    assert msim.requests() == []  # the simulator never saw a request it could parse


def test_http_to_an_https_port(msim_tls, row: Row) -> None:
    row.expected = "fails after 1 attempt: closed on plain HTTP, may require nitro_protocol: https"
    result = run(msim_tls, "ns_save_config", {}, nitro_protocol="http")
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert "closed the connection on a plain HTTP request" in result["msg"]
    assert "nitro_protocol: https" in result["msg"]
    # no retry budget spent: before, four attempts and their back-off took about 9.5 s
    assert "after 1 attempt(s)" in result["msg"]


def test_wrong_password_401_354(msim, row: Row) -> None:
    row.expected = "fails: check nitro_user / nitro_pass (or the AWX credential); password not shown"
    result = run(msim, "ns_save_config", {}, nitro_pass="not-" + PASSWORD)
    row.happened = outcome(result)
    row.leaked = ", ".join(result["_leaked"]) or "no"
    assert result.get("failed") is True
    assert result["nitro_error"]["http_status"] == 401 and result["nitro_error"]["errorcode"] == 354
    assert "check nitro_user and nitro_pass" in result["msg"] and "AWX" in result["msg"]
    assert "Check nsip" not in result["msg"]
    assert not result["_leaked"] and "not-" not in result["_stdout"]


def test_misspelled_netscaler_env_variable(msim, row: Row) -> None:
    row.expected = "fails naming NETSCALER_NITRO_PASSWORD and the closest one read, NETSCALER_NITRO_PASS"
    env = {"NETSCALER_NITRO_PASSWORD": PASSWORD}
    result = run(msim, "nitro_session", {}, env=env, nitro_pass=None)
    row.happened = outcome(result)
    row.leaked = ", ".join(result["_leaked"]) or "no"
    assert result.get("failed") is True
    assert "NETSCALER_NITRO_PASSWORD is set but adcops.netscaler does not read it" in result["msg"]
    assert "the closest one it reads is NETSCALER_NITRO_PASS" in result["msg"]
    assert not result["_leaked"]
    assert msim.requests() == []
    # a run that succeeds despite the stray variable warns about it
    passed = run(msim, "ns_save_config", {}, env={"NETSCALER_VALIDATE_CERT": "false"})
    assert not passed.get("failed"), passed.get("msg")
    warnings = str(passed.get("warnings"))  # plain strings or structured events, depending on ansible-core
    assert (
        "NETSCALER_VALIDATE_CERT is set" in warnings and "closest one it reads is NETSCALER_VALIDATE_CERTS" in warnings
    )


def test_quiet_vip_task_on_a_vserver_that_does_not_exist(msim, row: Row) -> None:
    """What the quiet_vip role sends for each listed vserver. Before: "servicetype is required to create it",
    advice to create a vserver the role never creates."""
    row.expected = "fails before any write: the vserver does not exist, the task never creates one"
    result = run(msim, "lb_vserver", {"name": "ghost", "icmpvsrresponse": "ACTIVE"})
    row.happened = outcome(result)
    assert result.get("failed") is True and result["changed"] is False
    assert "lbvserver ghost does not exist" in result["msg"]
    assert "gives only name, icmpvsrresponse" in result["msg"] and "never creates one" in result["msg"]
    assert "servicetype is required" not in result["msg"]
    assert msim.writes() == []
