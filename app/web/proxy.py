"""Which client address the app believes (the limiter of candidate links keys on it).

uvicorn by default takes `X-Forwarded-For` from any request coming from 127.0.0.1, so anyone
who can reach a local port, or a proxy that passes the header through, could choose their
address and so escape the limiter. SalesFit believes forwarded headers only from the proxies
named in TRUSTED_PROXIES (addresses or networks, comma-separated); without it, none.
"""

from __future__ import annotations

from typing import Any

from app.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for forwarded headers."""
    proxies = settings.trusted_proxy_list
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}
