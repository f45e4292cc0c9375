import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_wsgi_application()


def _warm_up():
    """Load jieba's dictionary and the active classifier now, not on the first operator's keystroke."""
    try:
        from civicgrid.core import chinese
        from civicgrid.intake import runtime

        chinese.words("预热分词词典")
        runtime.active()
    except Exception:  # a server that cannot warm up still serves; the first request pays instead
        import logging

        logging.getLogger(__name__).exception("预热失败")


threading.Thread(target=_warm_up, name="civicgrid-warm-up", daemon=True).start()
