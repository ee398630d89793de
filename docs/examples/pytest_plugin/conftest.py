"""Load the NetScaler simulator fixtures from the installed adcops.netscaler collection.

Run with the directory that holds ``ansible_collections`` on PYTHONPATH, for example
``PYTHONPATH=~/.ansible/collections pytest``.
"""

import os
import sys

pytest_plugins = ["ansible_collections.adcops.netscaler.tests.nitro_sim.fixtures"]

# The modules talk to the NITRO API from the controller: run them with this Python, which has `requests`.
os.environ.setdefault("ANSIBLE_PYTHON_INTERPRETER", sys.executable)
