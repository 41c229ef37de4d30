"""`manage.py remove_orphan_media [--dry-run] [--older-than-hours 1]`: delete the files under
MEDIA_ROOT that no row points at (briefs.media)."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefs.media import orphans, referenced_files


class Command(BaseCommand):
    help = (
        "Delete the files under MEDIA_ROOT that no row points at: uploads, renditions and "
        "thumbnails left by a save or a task that was killed, renditions of replaced images, "
        "thumbnails of old photos. Files written in the last hour are kept: they may belong "
        "to a save still under way. Backups leave orphans out whatever their age."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the files; delete nothing."
        )
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=1.0,
            metavar="HOURS",
            help="Only files last written longer ago than this (default: 1).",
        )

    def handle(self, *args, dry_run=False, older_than_hours=1.0, **options):
        if older_than_hours < 0:
            raise CommandError("--older-than-hours cannot be negative.")
        now = time.time()
        media_root = Path(settings.MEDIA_ROOT)
        cutoff = now - older_than_hours * 3600
        found = orphans(media_root, referenced_files(), modified_before=cutoff)
        total = 0
        for name, path in found:
            written = path.stat()
            total += written.st_size
            hours = (now - written.st_mtime) / 3600
            self.stdout.write(
                f"{name} ({written.st_size / 1000:,.0f} kB, written {hours:,.1f} hours ago)"
            )
            if not dry_run:
                path.unlink(missing_ok=True)
        verb = "Would remove" if dry_run else "Removed"
        files = f"{len(found)} file{'' if len(found) == 1 else 's'}"
        hours = f"{older_than_hours:g} hour{'' if older_than_hours == 1 else 's'}"
        self.stdout.write(
            f"{verb} {files} ({total / 1_000_000:.1f} MB) that no row points at, written more "
            f"than {hours} ago."
        )
