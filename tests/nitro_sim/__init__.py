"""NITRO simulator: a stateful stand-in for a NetScaler appliance served over real HTTP(S).

    from tests.nitro_sim import Simulator
    sim = Simulator(user="nsroot", password="nsroot").start()
    ...  # talk NITRO to sim.url
    sim.stop()

See tests/nitro_sim/README.md.
"""

from .appliance import Appliance
from .errors import NitroError
from .simulator import Simulator

__all__ = ["Appliance", "NitroError", "Simulator"]
