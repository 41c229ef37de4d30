"""Backups of the whole site, the database and the uploaded files together, in one archive.

An archive is a gzipped tar file (`briefs-YYYYMMDD-HHMMSS.tar.gz`) holding

- `data.json`: the database as `dumpdata --natural-foreign` writes it, but with times to the
  microsecond. Every row keeps its id (admin addresses and shared preview links go on
  working), except what `migrate` makes by itself with ids of its own, content types and
  permissions: those are left out, and named by natural key (`["publish_brief", "briefs",
  "brief"]`) where rows point at them. Sessions are left out too;
- `media/...`: every file under MEDIA_ROOT that a row points at (uploaded images, their
  renditions and thumbnails); orphans, files no row points at (briefs.media), are left out;
- `manifest.json`, last: when and from what the archive was made (Django version, database,
  applied migrations), how many rows of each model it holds, and the size and SHA-256 of
  every other member.

The database is read in one snapshot (a repeatable-read transaction on PostgreSQL, one read
transaction on SQLite) while the site keeps serving, and the files after it: an upload is
never rewritten in place, so every file the data names is there. Which files are orphans is
read in the same snapshot: a file written for a save that commits after it is one of them.

A restore checks the whole archive before it changes anything, refuses a site that already
has content unless told to replace it, then loads the data in one transaction and puts the
files in place before that transaction commits: whatever fails, the site is left as it was.
The archive holds password hashes and email addresses; it is written readable by its owner
only.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from experts.models import Expert

from ..media import REPLACED_PREFIX, STAGING_PREFIX, media_files, referenced_files
from ..models import Brief, Issue, IssueQuoteCount, SearchEntry
from ..public import search

ARCHIVE_FORMAT = "briefs-backup"
ARCHIVE_VERSION = 1
DATA_NAME = "data.json"
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"
# Made again by `migrate` on any database, with ids of its own; or of no lasting worth.
NOT_BACKED_UP_APPS = {"contenttypes", "sessions"}
# Derived from the briefs: search entries are written again after a restore, and each
# issue's quote counts are counted by the database's triggers as the rows are loaded.
NOT_BACKED_UP_MODELS = {"auth.Permission", "briefs.SearchEntry", "briefs.IssueQuoteCount"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    manifest: dict


# What is backed up


def backed_up_models():
    """Every concrete model whose rows a backup keeps, in a stable order."""
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy
        and model._meta.app_label not in NOT_BACKED_UP_APPS
        and model._meta.label not in NOT_BACKED_UP_MODELS
    ]


def row_counts():
    return {model._meta.label: model._base_manager.count() for model in backed_up_models()}


def applied_migrations():
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def site_content(media_root):
    """What a site has that `migrate` alone does not make: its people, its briefs, experts
    and issues, and its uploaded files."""
    counts = {
        "users": get_user_model().objects.count(),
        "briefs": Brief.objects.count(),
        "experts": Expert.objects.count(),
        "issues": Issue.objects.count(),
        "uploaded files": len(media_files(media_root)),
    }
    return {what: count for what, count in counts.items() if count}


def describe_counts(counts):
    return ", ".join(f"{count} {what}" for what, count in counts.items())


# Backup


def archive_path_for(output, now):
    """A folder (existing, or named without .tar.gz) gets a dated archive inside it."""
    output = Path(output)
    if output.is_dir() or not output.name.endswith(".tar.gz"):
        return output / f"briefs-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"
    return output


def create_backup(output, media_root=None):
    """Write an archive of the database and the uploaded files; returns where, and its
    manifest. The archive appears whole or not at all."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    now = timezone.now()
    target = archive_path_for(output, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefs-backup-") as work:
        data_path = Path(work, DATA_NAME)
        counts, referenced = dump_database(data_path)
        handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                members = [add_file(tar, DATA_NAME, data_path)]
                members += [
                    add_file(tar, MEDIA_PREFIX + name, path)
                    for name, path in media_files(media_root)
                    if name in referenced
                ]
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "version": ARCHIVE_VERSION,
                    "created_at": timezone.localtime(now).isoformat(),
                    "django": django.get_version(),
                    "database": connection.vendor,
                    "migrations": applied_migrations(),
                    "counts": counts,
                    "files": members,
                }
                add_bytes(tar, MANIFEST_NAME, json.dumps(manifest, indent=2).encode())
            os.chmod(partial, 0o600)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return BackupReport(target, manifest)


def dump_database(path):
    """Write the database to `path` as loaddata reads it; returns the count of its rows and
    the names of the files they point at (briefs.media), all from one snapshot."""
    models = backed_up_models()
    # Without it each query would see the latest commits: a revision saved during the dump
    # could name a brief dumped before it existed. (Inside a transaction already begun, as
    # in a test, that transaction is the snapshot.)
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counts = row_counts()
        referenced = referenced_files()
        with open(path, "w", encoding="utf-8") as file:
            serializers.serialize(
                "json",
                rows_in_dependency_order(models),
                stream=file,
                use_natural_foreign_keys=True,
                cls=ExactJSONEncoder,
            )
    return counts, referenced


def rows_in_dependency_order(models):
    """Every row of the models, as `dumpdata --natural-foreign` orders them: a row named by
    natural key (an issue) before the rows that name it (its briefs' tags)."""
    by_app = {}
    for model in models:
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
        yield from model._base_manager.order_by(model._meta.pk.name).iterator()


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to milliseconds, as JavaScript's
    dates have it, and a restored site would then differ from the one backed up."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Hashing:
    """A file read through, keeping count of its bytes and their SHA-256."""

    def __init__(self, file):
        self.file, self.size, self.sha256 = file, 0, hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.size += len(data)
        self.sha256.update(data)
        return data


def add_file(tar, name, path):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = path.stat().st_size, 0o644, int(path.stat().st_mtime)
    with open(path, "rb") as file:
        hashing = _Hashing(file)
        tar.addfile(info, hashing)
    if hashing.size != info.size:
        raise BackupError(f"{path} changed while it was being backed up; back up again.")
    return {"path": name, "size": hashing.size, "sha256": hashing.sha256.hexdigest()}


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


# Restore


@dataclass
class RestoreReport:
    manifest: dict
    replaced: dict


def restore_backup(archive, *, replace=False, media_root=None):
    """Make the site what the archive holds. Raises BackupError, having changed nothing, when
    the archive is damaged, was made by another version of the code, or the site has content
    and `replace` is not given."""
    archive = Path(archive)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file.")
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefs-restore-") as work:
        # The data (password hashes among it) stays out of MEDIA_ROOT, which is served.
        staged_media = Path(tempfile.mkdtemp(dir=media_root, prefix=STAGING_PREFIX))
        try:
            manifest = unpack(archive, Path(work), staged_media)
            check_migrations(manifest)
            existing = site_content(media_root)
            if existing and not replace:
                raise BackupError(
                    f"This site already has content ({describe_counts(existing)}); a restore "
                    "replaces all of it. Nothing was changed. Run again with --replace (make "
                    "restore REPLACE=1) to replace it."
                )
            load(manifest, Path(work, DATA_NAME), staged_media, media_root)
        finally:
            shutil.rmtree(staged_media, ignore_errors=True)
    return RestoreReport(manifest, existing)


def unpack(archive, work, staged_media):
    """Read the whole archive, checking it as it goes: the data into `work`, the files into
    `staged_media`. Returns the manifest, once every member matches it."""
    problem = f"{archive} is damaged or incomplete, so nothing was restored"
    try:
        # The gzip checksum and length are at the end of the stream: read through once,
        # so that a damaged or cut-short archive is refused before anything is unpacked.
        with gzip.open(archive, "rb") as stream:
            while stream.read(CHUNK):
                pass
        found, manifest_bytes = {}, None
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = checked_name(member, archive)
                if name in found or (name == MANIFEST_NAME and manifest_bytes is not None):
                    raise BackupError(f"{archive}: {name} appears twice; not a backup of ours.")
                source = tar.extractfile(member)
                if name == MANIFEST_NAME:
                    manifest_bytes = source.read()
                    continue
                if name == DATA_NAME:
                    destination = work / DATA_NAME
                else:
                    destination = staged_media / name.removeprefix(MEDIA_PREFIX)
                found[name] = copy_counting(source, destination)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as error:
        raise BackupError(f"{problem} ({error}).") from error
    if manifest_bytes is None:
        raise BackupError(f"{problem}: it has no {MANIFEST_NAME}.")
    manifest = read_manifest(manifest_bytes, archive)
    expected = {entry["path"]: (entry["size"], entry["sha256"]) for entry in manifest["files"]}
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(found) & set(expected) if found[name] != expected[name])
    for label, names in [("missing", missing), ("not in its manifest", unexpected)]:
        if names:
            raise BackupError(f"{problem}: {label}: {', '.join(names[:5])}.")
    if changed:
        raise BackupError(
            f"{problem}: these members do not match their checksums: {', '.join(changed[:5])}."
        )
    if DATA_NAME not in found:
        raise BackupError(f"{problem}: it has no {DATA_NAME}.")
    return manifest


def checked_name(member, archive):
    """The member's name, if it is a file this code wrote: never a link, a device or a path
    that leads out of the folder it is unpacked into."""
    name = member.name
    path = PurePosixPath(name)
    allowed = name in {DATA_NAME, MANIFEST_NAME} or name.startswith(MEDIA_PREFIX)
    if (
        not member.isfile()
        or not allowed
        or path.is_absolute()
        or ".." in path.parts
        or name.endswith("/")
    ):
        raise BackupError(f"{archive}: unexpected member {name!r}; not a backup of ours.")
    return name


def copy_counting(source, destination):
    destination.parent.mkdir(parents=True, exist_ok=True)
    hashing = _Hashing(source)
    with open(destination, "wb") as file:
        while chunk := hashing.read(CHUNK):
            file.write(chunk)
    return hashing.size, hashing.sha256.hexdigest()


def read_manifest(data, archive):
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{archive}: its manifest is not readable ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"{archive} is not a backup made by backup_site.")
    if manifest.get("version") != ARCHIVE_VERSION:
        raise BackupError(
            f"{archive} is a version {manifest.get('version')} backup; this code reads "
            f"version {ARCHIVE_VERSION}."
        )
    missing = [key for key in ("migrations", "counts", "files") if key not in manifest]
    if missing:
        raise BackupError(f"{archive}: its manifest lacks {', '.join(missing)}.")
    return manifest


def check_migrations(manifest):
    """The data fits the tables only if both went through the same migrations."""
    archived, here = set(manifest["migrations"]), set(applied_migrations())
    if archived == here:
        return
    lines = ["This database's tables are not the ones the backup was made from:"]
    if archived - here:
        lines.append(
            f"  not applied here: {', '.join(sorted(archived - here))} (if the code is as new "
            "as the backup's, run `manage.py migrate` first)"
        )
    if here - archived:
        lines.append(
            f"  applied here but not in the backup: {', '.join(sorted(here - archived))} "
            "(restore into a database migrated back to the backup's state, then migrate)"
        )
    lines.append("Nothing was changed.")
    raise BackupError("\n".join(lines))


def load(manifest, data_path, staged_media, media_root):
    """Replace the database's content and the uploaded files with the archive's, in one
    transaction: the files are moved in place last, and moved back if it does not commit."""
    swap = MediaSwap(staged_media, media_root)
    try:
        with transaction.atomic():
            clear_backed_up_tables()
            with receivers_paused(pre_save, post_save, post_delete, m2m_changed):
                call_command("loaddata", str(data_path), verbosity=0)
            loaded = row_counts()
            if loaded != manifest["counts"]:
                differing = sorted(
                    label
                    for label in set(loaded) | set(manifest["counts"])
                    if loaded.get(label) != manifest["counts"].get(label)
                )
                raise BackupError(
                    f"The restored rows do not match the backup's counts ({', '.join(differing)});"
                    " nothing was changed."
                )
            # The index, then a new content token (briefs.public.freshness), both in this
            # transaction: the token loaded with the rows is the backed-up site's, which pages
            # may still be kept under. Nothing kept before is served again, in any process,
            # and the cache, which may be shared (with Celery's queue), is not emptied.
            call_command("rebuild_search_index", stdout=io.StringIO())
            swap.move_in()
    except BaseException:
        swap.move_back()
        raise
    swap.discard_replaced()


@contextmanager
def receivers_paused(*signals):
    """No receiver hears the rows being loaded. They are put back as they were, not changed:
    what receivers derive from a change (the search index) is written once, from all of
    them, after the load, instead of once per row (which made a restore of 2,000 briefs take
    minutes). Signal keeps its receivers in a list, as factory_boy's mute_signals relies on."""
    paused = {signal: signal.receivers for signal in signals}
    for signal in signals:
        with signal.lock:
            signal.receivers = []
            signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in paused.items():
            with signal.lock:
                signal.receivers = receivers + signal.receivers
                signal.sender_receivers_cache.clear()


def clear_backed_up_tables():
    """Empty every table the archive fills (and the sessions: nobody stays signed in to a
    site that was replaced), inside the restore's transaction."""
    tables = {"django_session", SearchEntry._meta.db_table, IssueQuoteCount._meta.db_table}
    for model in backed_up_models():
        tables.add(model._meta.db_table)
        tables.update(
            field.remote_field.through._meta.db_table
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        )
    statements = connection.ops.sql_flush(no_style(), sorted(tables), reset_sequences=True)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        # SQLite's full-text index is a table of its own, not a model's: emptied too, and
        # written again from the restored briefs, as the search entries are.
        if isinstance(search.backend(), search.SqliteSearch):
            cursor.execute(f"DELETE FROM {search.FTS_TABLE}")


class MediaSwap:
    """Moves the restored files into MEDIA_ROOT and the old ones aside, each by a rename;
    MEDIA_ROOT itself is never renamed, as it is often a mount point. (A restore killed
    between the move and the commit leaves the old files in MEDIA_ROOT/.replaced-*.)"""

    def __init__(self, staged, media_root):
        self.staged, self.media_root = staged, media_root
        self.replaced = None
        self.moved_out, self.moved_in = [], []

    def move_in(self):
        self.replaced = Path(tempfile.mkdtemp(dir=self.media_root, prefix=REPLACED_PREFIX))
        for entry in sorted(self.media_root.iterdir()):
            if not entry.name.startswith((STAGING_PREFIX, REPLACED_PREFIX)):
                entry.rename(self.replaced / entry.name)
                self.moved_out.append(entry.name)
        for entry in sorted(self.staged.iterdir()):
            entry.rename(self.media_root / entry.name)
            self.moved_in.append(entry.name)

    def move_back(self):
        for name in reversed(self.moved_in):
            (self.media_root / name).rename(self.staged / name)
        for name in reversed(self.moved_out):
            (self.replaced / name).rename(self.media_root / name)
        self.moved_in, self.moved_out = [], []
        self.discard_replaced()

    def discard_replaced(self):
        if self.replaced is not None:
            shutil.rmtree(self.replaced, ignore_errors=True)
            self.replaced = None
