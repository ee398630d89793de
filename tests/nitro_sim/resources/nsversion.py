"""nsversion: the firmware version string (a read-only singleton)."""

from __future__ import annotations

from typing import Any

from .base import Resource

NSVERSION = "NetScaler NS13.1: Build 49.13.nc, Date: Jul 26 2023, 05:54:52   (64-bit)"


class Nsversion(Resource):
    name = "nsversion"
    singleton = True

    def read(self) -> dict[str, Any]:
        return {"version": NSVERSION, "mode": "1"}
