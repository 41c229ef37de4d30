"""The files under MEDIA_ROOT, and which of them the site's rows point at.

A file no row points at is an orphan: an upload, renditions or a thumbnail written by a save
or a task that was killed before its row was, renditions of an image since replaced, the
thumbnail of an old photo, the share card of a deleted brief or one a killed task wrote (a
replaced card is deleted once its successor is recorded: briefs.share_card). Backups leave
orphans out (briefs.interchange.backup), and `manage.py remove_orphan_media` deletes those
old enough not to belong to a save under way.
"""

import os
from pathlib import Path

from django.apps import apps
from django.db import models

from .models import Brief, Revision, rendition_files

# Folders a restore works in (briefs.interchange.backup), inside MEDIA_ROOT so that moving
# files in place is a rename: what is in them is not the site's.
STAGING_PREFIX, REPLACED_PREFIX = ".restoring-", ".replaced-"


def media_files(media_root):
    """Files under MEDIA_ROOT, as (path relative to it, in POSIX form; absolute path), leaving
    out a restore's working folders."""
    if not media_root.is_dir():
        return []
    found = []
    for folder, subfolders, files in os.walk(media_root):
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith((STAGING_PREFIX, REPLACED_PREFIX))
        )
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(media_root).as_posix(), path))
    return found


def referenced_files():
    """The names (relative to MEDIA_ROOT) of the files rows point at: every file field of
    every model (lead images, share cards, expert photos and thumbnails), the renditions a
    brief lists, and the lead images its revisions name, which restoring one of them brings
    back."""
    names = set()
    for model in apps.get_models():
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.FileField)
        ]
        if fields:
            for row in model._base_manager.values_list(*fields).iterator():
                names.update(row)
    briefs = Brief.objects.exclude(lead_image="").values_list("lead_image_renditions", flat=True)
    for renditions in briefs.iterator():
        names.update(rendition_files(renditions))
    revisions = Revision.objects.values_list("document__lead_image__file", flat=True)
    names.update(revisions.iterator())
    names.discard("")
    names.discard(None)
    return names


def orphans(media_root, referenced, modified_before=None):
    """The files under MEDIA_ROOT whose names are not in `referenced`, as media_files() lists
    them; with `modified_before` (a timestamp), only those last written before it."""
    return [
        (name, path)
        for name, path in media_files(media_root)
        if name not in referenced
        and (modified_before is None or path.stat().st_mtime < modified_before)
    ]
