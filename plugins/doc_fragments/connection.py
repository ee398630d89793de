# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The NITRO connection options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  nsip:
    description:
      - The NetScaler management address (NSIP, or a SNIP with management access) as C(host) or C(host:port).
      - If not set, the value of the E(NETSCALER_NSIP) environment variable is used.
    type: str
    required: true
  nitro_user:
    description:
      - The user to log in to NITRO with. Without O(nitro_auth_token), one session is opened per task and closed
        at its end; the roles open one session for all their tasks with M(adcops.netscaler.nitro_session) instead.
      - If not set, the value of the E(NETSCALER_NITRO_USER) environment variable is used.
    type: str
  nitro_pass:
    description:
      - The password of O(nitro_user). Never logged, never returned.
      - If not set, the value of the E(NETSCALER_NITRO_PASS) environment variable is used.
    type: str
  nitro_auth_token:
    description:
      - An existing NITRO session token (C(NITRO_AUTH_TOKEN)), for example the one
        M(adcops.netscaler.nitro_session) returns. With a token the module neither logs in nor logs out.
      - If the token has expired and O(nitro_user) and O(nitro_pass) are also set, the module logs in once with
        them, finishes its work in that new session and logs out of it; without them it fails.
      - If not set, the value of the E(NETSCALER_NITRO_AUTH_TOKEN) environment variable is used.
    type: str
  nitro_protocol:
    description:
      - The protocol NITRO is reached with.
      - If not set, the value of the E(NETSCALER_NITRO_PROTOCOL) environment variable is used.
    type: str
    choices: [https, http]
    default: https
  validate_certs:
    description:
      - Whether to verify the appliance's TLS certificate. Only set this to V(false) on a lab appliance.
      - If not set, the value of the E(NETSCALER_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  nitro_timeout:
    description:
      - Seconds to wait for each NITRO request before it counts as failed (and is retried when that is safe).
    type: float
    default: 60
  save_config:
    description:
      - Save the running configuration (C(nsconfig?action=save)) at the end of the task,
        only if the task changed something.
      - If not set, the value of the E(NETSCALER_SAVE_CONFIG) environment variable is used.
    type: bool
    default: false
notes:
  - Idempotent requests (GET, PUT, DELETE, enable, disable, unset, save) are retried up to 3 times with exponential
    backoff on connection errors and HTTP 502, 503 and 504. An add is retried only after a read shows that
    it did not land.
  - When the NITRO session expires during a task (HTTP 401 with errorcode 444, 1027, 451 or 472) the module logs in
    again once and repeats the request.
requirements:
  - requests
"""
