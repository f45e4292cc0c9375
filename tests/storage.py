"""The stored files as the storage API lists them, so a test's check holds for any backend (the filesystem, Django's
InMemoryStorage under --memory-storage, or a bucket)."""

from django.core.files.storage import default_storage


def stored_files() -> list[str]:
    """Every file name in the default storage, walked from its root; none when the root does not exist yet."""
    found, pending = [], [""]
    while pending:
        directory = pending.pop()
        try:
            subdirectories, files = default_storage.listdir(directory)
        except FileNotFoundError:
            continue
        found += [f"{directory}/{name}" if directory else name for name in files]
        pending += [f"{directory}/{name}" if directory else name for name in subdirectories]
    return sorted(found)
