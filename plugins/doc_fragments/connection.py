# Copyright: (c) 2026, adcops.netscaler contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The NITRO connection options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  nsip:
    description:
      - The NetScaler management address (NSIP, or a SNIP with management access) as C(host) or C(host:port)
        (an IPv6 address with a port as C([addr]:port)). No scheme and no path; the task fails before any request
        otherwise.
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
      - The password of O(nitro_user). Never logged, never returned, in any spelling (escaped, quoted, URL-encoded).
      - Leading and trailing whitespace (such as the newline a file or a YAML block scalar ends with) is stripped
        before use, with a warning.
      - If not set, the value of the E(NETSCALER_NITRO_PASS) environment variable is used.
    type: str
  nitro_auth_token:
    description:
      - An existing NITRO session token (C(NITRO_AUTH_TOKEN)), for example the one
        M(adcops.netscaler.nitro_session) returns. With a token the module neither logs in nor logs out.
      - If the token has expired and O(nitro_user) and O(nitro_pass) are also set, the module logs in once with
        them, finishes its work in that new session and logs out of it; without them it fails.
      - Leading and trailing whitespace is stripped with a warning; a token with whitespace, control or non-ASCII
        characters inside is rejected before any request.
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
      - Whether to verify the appliance's TLS certificate. Only set this to V(false) on a lab appliance or a trusted
        management network.
      - The setting is passed with every request, so E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) in the environment
        cannot turn verification back on (or off).
      - If not set, the value of the E(NETSCALER_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_bundle:
    description:
      - Path of a PEM file with the CA certificate(s) that signed the appliance's certificate, used instead of the
        system trust store when O(validate_certs=true).
      - Without it, the E(REQUESTS_CA_BUNDLE) or E(CURL_CA_BUNDLE) environment variable is used if set, else the
        trust store of the Python C(certifi) package.
      - If not set, the value of the E(NETSCALER_CA_BUNDLE) environment variable is used.
    type: path
  nitro_timeout:
    description:
      - The time budget, in seconds, of each NITRO operation. The request, its retries, their back-off pauses and a
        re-login all fit in it. A stalled or unreachable appliance therefore fails the task about O(nitro_timeout)
        seconds after the stall begins (a logout that follows waits at most 3 more seconds), whatever the number
        of retries.
      - More than 0 and at most 3600.
      - If not set, the value of the E(NETSCALER_NITRO_TIMEOUT) environment variable is used.
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
  - A login must be answered the way NITRO answers it (HTTP 201 with errorcode 0 and a session id); anything else
    (a 404 from a wrong port or path, a proxy's page) fails the task, naming the URL and what came back. A 404 is
    read as "object not found" only when it is a NITRO answer carrying an errorcode.
  - When a task fails after the appliance kept some of its writes, it reports C(changed=true) and, for bulk
    requests, lists the items that were applied (C(applied)) and not applied (C(not_applied)).
  - Idempotent requests (GET, PUT, DELETE, enable, disable, unset, save) are retried up to 3 times with exponential
    backoff on connection errors and HTTP 502, 503 and 504, within the O(nitro_timeout) budget. An add whose answer
    was lost is settled by a read (done if it landed, sent again if not). An add answered "already exists" (another
    run created the object since this task read it) is converged with C(?idempotent=yes); "already bound" and
    "not bound" answers of binds and unbinds count as the wanted state.
  - When the NITRO session expires during a task (HTTP 401 with errorcode 444, 1027, 451 or 472) the module logs in
    again once and repeats the request.
requirements:
  - requests
"""
