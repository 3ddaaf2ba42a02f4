"""How the web app's chat proxy proves itself to Rasa's REST channel (docs/security.md).

The proxy sends the shared secret OCO_PROXY_SECRET in a header. Only then does the REST
channel take ``metadata.channel = "web"`` and ``metadata.staff_test`` from the request;
from anyone else both are ignored, so a client can neither pose as the web widget nor
keep its conversation out of the statistics. ``make run`` generates the secret when it
is unset (bot/ops/processes.py); every Rasa instance and the web app need the same value.
"""

from __future__ import annotations

import hmac

PROXY_SECRET_HEADER = "X-OCO-Proxy-Secret"  # noqa: S105 - a header name


def proxy_secret_ok(expected: str, submitted: str | None) -> bool:
    """Constant-time check; an unset secret never matches (nothing is trusted then)."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(
        expected.encode("utf-8"), submitted.encode("utf-8", errors="replace")
    )
