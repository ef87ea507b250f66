"""An email backend standing in for an SMTP server that fails the first N sends (the outside world)."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

FAILURES = {"remaining": 0}


class FlakyEmailBackend(EmailBackend):
    def send_messages(self, messages: Any) -> int:
        if FAILURES["remaining"] > 0:
            FAILURES["remaining"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
