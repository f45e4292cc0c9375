"""The active classifier, loaded once per process and reloaded when another model is activated.

A registered model's files are kept in the media storage (shared by every web machine: a shared directory or a
bucket) and copied into this machine's data directory the first time it is loaded here, since numpy reads a file
on disk; models registered before they were shared are found where they always were, in the data directory."""

import os
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from civicgrid.intake import classifier
from civicgrid.intake.models import IntakeModel

_lock = threading.Lock()
_loaded: dict[tuple[int, str], classifier.Classifier] = {}


STORED = "intake-models"  # the folder of registered models in the media storage
FILES = (classifier.MANIFEST, classifier.ARRAYS)


def models_dir() -> Path:
    """This machine's copies of the models."""
    return settings.DATA_DIR / "intake-models"


def stored_name(directory: str, filename: str) -> str:
    return f"{STORED}/{directory}/{filename}"


def model_path(row: IntakeModel) -> Path:
    """The model's directory on this machine, copied from the media storage when it is not here yet."""
    path = models_dir() / row.directory
    for filename in FILES:
        local, name = path / filename, stored_name(row.directory, filename)
        if local.is_file() or not default_storage.exists(name):
            continue  # a missing file is refused by classifier.load with its own message
        path.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: another process loading at the same moment never reads half a file.
        fd, partial = tempfile.mkstemp(dir=path, prefix=f".{filename}.")
        with os.fdopen(fd, "wb") as target, default_storage.open(name, "rb") as source:
            for chunk in source.chunks():
                target.write(chunk)
        os.replace(partial, local)
    return path


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
