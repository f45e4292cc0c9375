"""The console log handler writes to the stderr of the moment, so a closed earlier one never breaks logging."""

import io
import logging
import sys

from civicgrid.core.log_filters import CurrentStderr


def test_records_go_to_the_current_stderr_even_after_the_first_is_closed(monkeypatch):
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler = CurrentStderr()
    logger = logging.getLogger("civicgrid.tests.current_stderr")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("第一条")
        first.close()
        monkeypatch.setattr(sys, "stderr", second)
        logger.warning("第二条")
    finally:
        logger.removeHandler(handler)
    assert second.getvalue() == "第二条\n"


def test_the_settings_use_it():
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["class"] == "civicgrid.core.log_filters.CurrentStderr"
    assert any(isinstance(h, CurrentStderr) for h in logging.getLogger().handlers)
