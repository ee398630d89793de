"""What a VIP does when its backends die: ICMP answers and the fate of a TCP connection to a DOWN vserver.

`vip_answer` is a pure function of the VIP's nsip entry, the vservers on that IP (with their current
state) and `nstcpparam.downstaterst`; `GET /sim/v1/vips/<ip>` serves its result (see `vip_payload`).

Rules (NetScaler docs "Configuring ICMP responses for VIPs", CLI reference `add ns ip -icmpResponse`,
`add lb vserver -icmpVsrResponse`; inferred, not verified on an appliance):
- `nsip.icmp DISABLED`: never answers (per-IP master switch); a disabled VIP (`state DISABLED`) does not
  answer either;
- `icmpresponse NONE` (default, DOC-ICMP): always answers;
- `ONE_VSERVER`: answers if at least one vserver on the IP is UP;
- `ALL_VSERVERS`: answers only if every vserver on the IP is UP (an IP without vservers: vacuously yes);
- `VSVR_CNTRLD`: each vserver's `icmpvsrresponse` decides: all PASSIVE -> always; otherwise answers if at
  least one ACTIVE vserver is UP (PASSIVE ones do not count). `icmpvsrresponse` is ignored under the other
  values (the reference's inference, to be verified on an appliance).
- ARP (`arp`, `arpresponse`) follows the same rules without VSVR_CNTRLD.
- TCP to a DOWN vserver: dropped silently (client times out) unless `nstcpparam.downstaterst` is ENABLED,
  then reset (client sees ECONNREFUSED). Inferred, not verified on an appliance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

UP = "UP"


def _upper(value: Any, default: str) -> str:
    return str(value if value not in (None, "") else default).upper()


def _vserver_view(v: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": v.get("name"),
        "port": v.get("port"),
        "servicetype": v.get("servicetype"),
        "curstate": _upper(v.get("curstate"), "DOWN"),
        "icmpvsrresponse": _upper(v.get("icmpvsrresponse"), "PASSIVE"),
    }


def _per_ip_rule(mode: str, states: list[str]) -> bool:
    if mode == "ONE_VSERVER":
        return any(s == UP for s in states)
    if mode == "ALL_VSERVERS":
        return all(s == UP for s in states)
    return True  # NONE


def vip_answer(
    ip: str,
    nsip: Mapping[str, Any] | None,
    vservers: Iterable[Mapping[str, Any]],
    downstaterst: str | None = "DISABLED",
) -> dict[str, Any]:
    """Compute the VIP's behaviour. `nsip` None means no entry: the defaults icmp ENABLED, icmpresponse NONE."""
    entry = dict(nsip or {})
    icmp = _upper(entry.get("icmp"), "ENABLED")
    icmpresponse = _upper(entry.get("icmpresponse"), "NONE")
    arp = _upper(entry.get("arp"), "ENABLED")
    arpresponse = _upper(entry.get("arpresponse"), "NONE")
    ip_state = _upper(entry.get("state"), "ENABLED")
    views = [_vserver_view(v) for v in vservers]
    states = [v["curstate"] for v in views]

    if ip_state == "DISABLED":
        answers_icmp, reason = False, "nsip state DISABLED: a disabled VIP answers neither ARP nor ICMP"
    elif icmp == "DISABLED":
        answers_icmp, reason = False, "nsip icmp DISABLED: the IP never answers ICMP"
    elif icmpresponse == "VSVR_CNTRLD":
        active = [v for v in views if v["icmpvsrresponse"] == "ACTIVE"]
        if not active:
            answers_icmp, reason = True, "VSVR_CNTRLD, every vserver PASSIVE: always answers"
        else:
            answers_icmp = any(v["curstate"] == UP for v in active)
            reason = "VSVR_CNTRLD: answers when at least one ACTIVE vserver is UP"
    elif icmpresponse in ("ONE_VSERVER", "ALL_VSERVERS"):
        answers_icmp = _per_ip_rule(icmpresponse, states)
        reason = (
            "ONE_VSERVER: answers when at least one vserver is UP"
            if icmpresponse == "ONE_VSERVER"
            else "ALL_VSERVERS: answers when every vserver is UP"
        )
    else:
        answers_icmp, reason = True, "icmpresponse NONE: always answers"

    if ip_state == "DISABLED" or arp == "DISABLED":
        answers_arp = False
    else:
        answers_arp = _per_ip_rule(arpresponse if arpresponse in ("ONE_VSERVER", "ALL_VSERVERS") else "NONE", states)

    rst = _upper(downstaterst, "DISABLED") == "ENABLED"
    return {
        "ip": ip,
        "answers_icmp": answers_icmp,
        "answers_arp": answers_arp,
        "tcp_to_down_vserver": "rst" if rst else "drop",
        "reason": reason,
        "nsip": {
            "present": nsip is not None,
            "icmp": icmp,
            "icmpresponse": icmpresponse,
            "arp": arp,
            "arpresponse": arpresponse,
            "state": ip_state,
        },
        "downstaterst": "ENABLED" if rst else "DISABLED",
        "vservers": views,
    }
