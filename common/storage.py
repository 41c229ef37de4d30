"""Uploaded files that a failed save leaves behind are removed with it.

An upload, its renditions and thumbnails are written to storage while the save runs, before
its transaction commits; if the save then fails, the transaction takes the rows back but not
the files. Admin saves run inside `removed_if_failing()`, which deletes every file the
storage wrote during a save that raised.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.storage import FileSystemStorage, default_storage

_written = ContextVar("briefs_files_written", default=None)


class MediaStorage(FileSystemStorage):
    """The file system storage, noting what it writes while a save is watched."""

    def _save(self, name, content):
        name = super()._save(name, content)
        written = _written.get()
        if written is not None:
            written.append(name)
        return name


@contextmanager
def removed_if_failing():
    written = []
    watching = _written.set(written)
    try:
        yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(watching)


class RemoveFilesOfFailedSaves:
    """For a ModelAdmin whose saves write files."""

    def changeform_view(self, *args, **kwargs):
        with removed_if_failing():
            return super().changeform_view(*args, **kwargs)
