"""Send messages through the WhatsApp Cloud API (Meta Graph API) with retries.

A message is retried only when it certainly was not accepted: on a 5xx or 429
answer, or when the connection failed or dropped. A message that got a 2xx is
never sent again, and a read timeout (the request may have arrived) is not
retried either, so a resident never receives the same message twice.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict

import aiohttp
from aiohttp_retry import ExponentialRetry, RetryClient

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://graph.facebook.com/v19.0"

# Errors raised before or while the request was sent, without an answer.
_RETRY_EXCEPTIONS = {aiohttp.ClientOSError, aiohttp.ServerDisconnectedError}


class GraphApiClient:
    """POSTs message objects to ``{api_base_url}/{phone_number_id}/messages``."""

    def __init__(
        self,
        api_base_url: str,
        access_token: str,
        *,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        timeout_seconds: float = 15.0,
    ) -> None:
        self._base_url = (api_base_url or DEFAULT_API_BASE_URL).rstrip("/")
        self._access_token = access_token
        self._retry = ExponentialRetry(
            attempts=attempts,
            start_timeout=backoff_seconds / 2,  # first wait = backoff_seconds, then doubles
            statuses={429},
            exceptions=_RETRY_EXCEPTIONS,
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> RetryClient:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                headers={"Authorization": f"Bearer {self._access_token}"},
            )
            self._loop = loop
        return RetryClient(client_session=self._session, retry_options=self._retry, logger=logger)

    async def send(self, phone_number_id: str, message: Dict[str, Any]) -> bool:
        """Send one message; True when the Graph API accepted it (2xx)."""
        url = f"{self._base_url}/{phone_number_id}/messages"
        kind = message.get("type", "?")
        try:
            async with self._client().post(url, json=message) as response:
                if 200 <= response.status < 300:
                    return True
                error_code = await _graph_error_code(response)
                # Only status and Graph error code: the answer may echo the phone number.
                logger.error(
                    "WhatsApp %s message not sent: HTTP %d, Graph error code %s.",
                    kind,
                    response.status,
                    error_code,
                )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("WhatsApp %s message not sent: %s.", kind, type(error).__name__)
        return False

    async def close(self) -> None:
        """Close the HTTP session (on server shutdown)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def _graph_error_code(response: aiohttp.ClientResponse) -> Any:
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error.get("code") if isinstance(error, dict) else None
