"""nstcpparam: the global TCP parameters (a singleton: GET answers an object, `set` and `unset` only).

Defaults of a 13.1 appliance (CLI reference "set ns tcpParam"; `downstaterst` from NetScaler docs "Configure
the NetScaler to send a TCP reset when a virtual server is down").
"""

from __future__ import annotations

from ..schema import EN_DIS, Attr, attrs_of, enum
from .base import Resource


class Nstcpparam(Resource):
    name = "nstcpparam"
    singleton = True
    actions = frozenset({"unset"})
    attrs = attrs_of(
        enum("ws", EN_DIS, default="ENABLED"),
        Attr("wsval", "int", min=0, max=14, default=8),
        enum("sack", EN_DIS, default="ENABLED"),
        Attr("initialcwnd", "int", min=1, max=44, default=10),
        Attr("oooqsize", "int", min=0, max=65535, default=300),
        Attr("maxburst", "int", min=1, max=255, default=6),
        Attr("delayedack", "int", min=10, max=300, default=100),
        enum("nagle", EN_DIS, default="DISABLED"),
        enum("limitedpersist", EN_DIS, default="ENABLED"),
        enum("ackonpush", EN_DIS, default="ENABLED"),
        Attr("minrto", "int", min=10, max=64000, default=1000),
        enum("synattackdetection", EN_DIS, default="ENABLED"),
        Attr("tcpmaxretries", "int", min=1, max=12, default=7),
        enum("connflushifnomem", ("NONE", "HALFCLOSED_AND_IDLE", "FIFO"), default="NONE"),
        enum("downstaterst", EN_DIS, default="DISABLED"),
        Attr("mss", "int", min=0, max=9176, default=0),
        Attr("recvbuffsize", "int", min=8190, max=20971520, default=8190),
        Attr("maxpktpermss", "int", min=0, max=1460, default=0),
        Attr("pktperretx", "int", min=1, max=512, default=1),
        Attr("slowstartincr", "int", min=1, max=100, default=2),
        enum("mptcpconcloseonpassivesf", EN_DIS, default="ENABLED"),
        enum("rfc5961compliance", EN_DIS, default="DISABLED"),
    )
