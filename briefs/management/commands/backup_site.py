"""`manage.py backup_site`: the database and the uploaded files in one archive
(briefs.interchange.backup)."""

from django.core.management.base import BaseCommand, CommandError

from briefs.interchange.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) holding the whole database and every uploaded file a row "
        "points at, with a manifest of its contents and their checksums. `restore_site` puts "
        "it back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default="backups",
            metavar="PATH",
            help="A folder, which gets briefs-YYYYMMDD-HHMMSS.tar.gz inside it (the default "
            "is ./backups), or the archive's file name, ending in .tar.gz.",
        )

    def handle(self, *args, output, **options):
        try:
            report = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = report.manifest
        counts = manifest["counts"]
        media = [entry for entry in manifest["files"] if entry["path"].startswith("media/")]
        megabytes = report.path.stat().st_size / 1_000_000
        self.stdout.write(
            f"Backed up {counts.get('briefs.Brief', 0)} briefs, "
            f"{counts.get('auth.User', 0)} users, {sum(counts.values())} rows in all, and "
            f"{len(media)} uploaded files to {report.path} ({megabytes:.1f} MB)."
        )
