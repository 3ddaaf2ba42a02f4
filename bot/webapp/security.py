"""Security headers, the request size limit and CSRF tokens for the web app.

Every response gets a strict Content-Security-Policy (no inline scripts anywhere), so
templates must load all JavaScript from /static. Static files may be loaded from other
origins because the chat widget is embedded on municipal websites.
"""

from __future__ import annotations

import hashlib
import hmac

from sanic import Request, Sanic
from sanic.response import HTTPResponse

MAX_REQUEST_BYTES = 64 * 1024

_BASE_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def content_security_policy(path: str) -> str:
    """The CSP for a path: staff pages may never be framed, the demo page only by itself."""
    frame_ancestors = "'none'" if path.startswith("/staff") else "'self'"
    return "; ".join((*_BASE_CSP, f"frame-ancestors {frame_ancestors}"))


def is_https(request: Request) -> bool:
    """True when the client reached us over HTTPS (directly or through a proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.scheme == "https" or forwarded.split(",")[0].strip().lower() == "https"


def apply_security_headers(request: Request, response: HTTPResponse) -> None:
    """Add the security headers every response carries."""
    path = request.path
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(path)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY" if path.startswith("/staff") else "SAMEORIGIN"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if path.startswith("/static/"):
        # The widget script and its CSS are loaded by municipal websites.
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        headers["Access-Control-Allow-Origin"] = "*"
    else:
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if path.startswith("/staff") or path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
    if is_https(request):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


def install_security(app: Sanic, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
    """Limit request bodies (Sanic answers 413 above it) and add headers to every response."""
    app.config.REQUEST_MAX_SIZE = max_request_bytes

    @app.on_response
    async def _security_headers(request: Request, response: HTTPResponse) -> None:
        apply_security_headers(request, response)


def csrf_token(secret: str, session_value: str) -> str:
    """A CSRF token bound to the staff session cookie (HMAC, so it cannot be guessed)."""
    key = hashlib.sha256(("oco-csrf:" + secret).encode()).digest()
    return hmac.new(key, session_value.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session_value: str, submitted: str | None) -> bool:
    """Constant-time check of a submitted CSRF token."""
    if not secret or not session_value or not submitted:
        return False
    # As bytes: compare_digest raises TypeError for a str with non-ASCII characters (a 500).
    return hmac.compare_digest(
        csrf_token(secret, session_value).encode("ascii"), submitted.encode("utf-8", errors="replace")
    )
