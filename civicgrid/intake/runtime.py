"""The active classifier, loaded once per process and reloaded when another model is activated."""

import threading
from pathlib import Path

from django.conf import settings

from civicgrid.intake import classifier
from civicgrid.intake.models import IntakeModel

_lock = threading.Lock()
_loaded: dict[tuple[int, str], classifier.Classifier] = {}


def models_dir() -> Path:
    return settings.DATA_DIR / "intake-models"


def model_path(row: IntakeModel) -> Path:
    return models_dir() / row.directory


def active_model() -> IntakeModel | None:
    return IntakeModel.objects.filter(is_active=True).first()


def classifier_for(row: IntakeModel) -> classifier.Classifier:
    """The loaded classifier of a registered model, with the threshold as configured on the row."""
    key = (row.pk, row.directory)
    model = _loaded.get(key)
    if model is None:
        with _lock:
            model = _loaded.get(key)
            if model is None:
                model = classifier.load(model_path(row))
                _loaded.clear()  # keep one model in memory: the vocabulary is tens of MB
                _loaded[key] = model
    model.threshold = float("inf") if row.threshold is None else row.threshold
    return model


def active() -> tuple[IntakeModel, classifier.Classifier] | None:
    """The active model row and its classifier, or None when no model is active (suggestions are off)."""
    row = active_model()
    if row is None:
        return None
    return row, classifier_for(row)


def invalidate() -> None:
    _loaded.clear()
