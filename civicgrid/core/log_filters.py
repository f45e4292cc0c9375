"""Logging filters and the handler named in settings.LOGGING."""

import logging
import sys


class ForbiddenInOneLine(logging.Filter):
    """A 403 is a refusal working as designed: keep its one line ("Forbidden (Permission denied): /path"),
    drop the traceback Django attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


class CurrentStderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record comes, not the stream it was when logging was set up:
    a replaced stderr (a test runner's capture, a daemon's redirect) may be closed since."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # always the current sys.stderr
