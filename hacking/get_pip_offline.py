"""Stand-in for the get-pip bootstrap script ansible-test downloads from ci-files.testing.ansible.com.

That host is out of reach from build machines that only see package registries, so
`make sanity` puts this file where ansible-test caches the real one. It does the same
job: install pip into the fresh virtual environment ansible-test made (from the copy
bundled with Python), then run `pip install` with the arguments ansible-test gave,
which pull the pinned pip from PyPI.
"""

import ensurepip
import os
import subprocess
import sys

# get-pip.py's own switches; pip install does not know them.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}

# ensurepip points PIP_CONFIG_FILE at /dev/null for the rest of the process; the real
# install must see the machine's pip configuration (index, certificates) again.
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args], env=environment))
