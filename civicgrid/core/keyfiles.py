"""Secrets kept in files of the data directory (the session key, the ID-number master key). Plain Python: the
settings module reads one before Django is set up."""

import os
import secrets
from pathlib import Path


def read_or_create(path: Path, nbytes: int) -> str:
    """The secret in `path`, made first if missing (random, `nbytes` bytes of entropy, mode 0600).

    The new secret is written aside and linked in whole, so that processes starting together (test workers, a
    web and a worker process) all read the one secret and none reads a half-written file."""
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()
