"""Logging filters: each client error (4xx) is one line, without a traceback."""

from __future__ import annotations

import logging


def _status(record: logging.LogRecord) -> int:
    """The response status Django attached to the record (django.request and django.server do)."""
    status = getattr(record, "status_code", None)
    return status if isinstance(status, int) else 0


class ClientErrorWithoutTraceback(logging.Filter):
    """django.request logs a refused request (PermissionDenied, a bad request) with its traceback;
    for a 4xx that is noise, not a bug: keep the line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= _status(record) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class SkipClientErrorsAlreadyLogged(logging.Filter):
    """runserver's django.server logs every request again: a 4xx is already logged once by
    django.request (or django.security), so drop the second line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not 400 <= _status(record) < 500
