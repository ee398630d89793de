"""nsfeature: the licensed features switched on (`enable ns feature LB`), a singleton.

Feature names: NITRO nsfeature reference. Only LB is on in the simulator's factory state (inferred).
"""

from __future__ import annotations

from typing import Any

from .nsmode import FlagSet

NSFEATURES = (
    "WL", "SP", "LB", "CS", "CR", "SC", "CMP", "PQ", "SSL", "GSLB", "HDOSP", "CF", "IC", "SSLVPN", "AAA", "OSPF",
    "RIP", "BGP", "REWRITE", "IPv6PT", "AppFw", "RESPONDER", "HTMLInjection", "push", "AppFlow", "CloudBridge",
    "ISIS", "CH", "AppQoE", "ContentAccelerator", "SYSTEM", "RISE", "FEO", "LSN", "RDPProxy", "Rep", "URLFiltering",
    "VideoOptimization", "ForwardProxy", "SSLInterception", "AdaptiveTCP", "CQA", "CI", "BOT", "APIGateway",
)  # fmt: skip


class Nsfeature(FlagSet):
    name = "nsfeature"
    field = "feature"
    flags = dict.fromkeys(NSFEATURES, ())
    default_on = ("LB",)

    def read(self) -> dict[str, Any]:
        return {**super().read(), "feature": [f for f in NSFEATURES if f in self.enabled]}
