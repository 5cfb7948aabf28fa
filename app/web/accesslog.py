"""The access log without candidate tokens.

uvicorn's access logger writes each request's path; a candidate's link token is in the path
of the questionnaire (`/a/<token>/…`) and of its API (`/api/v1/sessions/<token>/…`), and
whoever reads the log could open the assessment. `RedactTokens` replaces the token with
`[token]` before the line is formatted; `create_app` installs it on the `uvicorn.access`
logger, whichever way the app is served.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_TOKEN_IN_PATH = re.compile(r"^(/a/|/api/v1/sessions/)[^/?#\s]+")


def redact_path(path: str) -> str:
    """`path` with a candidate's token replaced by `[token]`."""
    return _TOKEN_IN_PATH.sub(r"\1[token]", path)


class RedactTokens(logging.Filter):
    """Rewrites the path argument of uvicorn's access-log record
    (`'%s - "%s %s HTTP/%s" %d'`: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def install_access_log_filter() -> None:
    """Add the filter to uvicorn's access logger once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
