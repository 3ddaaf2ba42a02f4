"""The action server (port 5055) with a shared secret: ``python -m bot.rasa_plugins.action_server``.

rasa_sdk 3.6 has no authentication of its own, and its ``python -m rasa_sdk`` listens on
all interfaces. A forged call could create an intake without a conversation or consent
(issue 13, item 4). This entry module builds the same app (``rasa_sdk.endpoint.create_app``)
and adds:

- every request except ``GET /health`` (open, docs/contract.md §2) must carry the header
  ``X-OCO-Action-Secret: $OCO_ACTION_SECRET``; otherwise 401 and nothing runs. Rasa sends
  it from endpoints.yml (``action_endpoint.headers``). Without OCO_ACTION_SECRET the
  server refuses to start (``make run`` generates one, bot/ops/processes.py);
- it listens on OCO_ACTION_HOST (default 127.0.0.1) and OCO_ACTION_PORT (default 5055);
- no CORS (browsers have no business here) and logs without personal data
  (bot/ops/logging_privacy.py).

Usage: ``python -m bot.rasa_plugins.action_server [--actions actions] [--host H] [--port P]``.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.ops import logging_privacy
from bot.ops.settings import load_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-OCO-Action-Secret"  # noqa: S105 - a header name
OPEN_ROUTES = frozenset({("GET", "/health"), ("HEAD", "/health")})


def secret_ok(expected: str, submitted: str | None) -> bool:
    """Constant-time comparison; an empty expected secret never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8", errors="replace"))


def require_secret(app: Sanic, secret: str) -> None:
    """Refuse every request without the right secret header, except ``GET /health``."""

    @app.middleware("request")
    async def _check_secret(request: Request) -> HTTPResponse | None:
        if (request.method, request.path) in OPEN_ROUTES:
            return None
        if secret_ok(secret, request.headers.get(SECRET_HEADER)):
            return None
        logger.warning("Action server: request without a valid %s refused.", SECRET_HEADER)
        return response.json({"error": "unauthorized"}, status=401)


def create_app(secret: str, actions: Any = "actions") -> Sanic:
    """The rasa_sdk action server app with the secret check; ``secret`` must not be empty."""
    if not secret:
        raise ValueError("OCO_ACTION_SECRET is empty: the action server would be open to anyone.")
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(actions, cors_origins=None)
    require_secret(app, secret)
    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m bot.rasa_plugins.action_server",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--actions", default="actions", help="package with the custom actions")
    parser.add_argument("--host", default=settings.action_host, help="interface (OCO_ACTION_HOST)")
    parser.add_argument("--port", type=int, default=settings.action_port, help="port (OCO_ACTION_PORT)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the action server in the foreground."""
    args = parse_args(argv)
    logging_privacy.configure_process_logging()
    secret = load_settings().action_secret
    if not secret:
        print("OCO_ACTION_SECRET is niet gezet: de action server start niet zonder geheim "
              "(make run maakt er een aan).", file=sys.stderr)
        return 2
    app = create_app(secret, args.actions)
    logging_privacy.install()  # again: importing the actions may have set SQL log levels
    logger.info("Action server on %s:%s (secret required, /health open).", args.host, args.port)
    app.run(host=args.host, port=args.port, access_log=False, motd=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
