"""Logging filters named in settings.LOGGING."""

import logging


class ForbiddenInOneLine(logging.Filter):
    """A 403 is a refusal working as designed: keep its one line ("Forbidden (Permission denied): /path"),
    drop the traceback Django attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
