"""`manage.py restore_site ARCHIVE`: put back what `backup_site` saved
(briefs.interchange.backup)."""

from django.core.management.base import BaseCommand, CommandError

from briefs.interchange.backup import BackupError, describe_counts, restore_backup


class Command(BaseCommand):
    help = (
        "Make the site what an archive from `backup_site` holds: the database and the uploaded "
        "files. The whole archive is checked first; a damaged one is refused and nothing "
        "changes. A site that already has content is replaced only with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="ARCHIVE", help="A .tar.gz from backup_site.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace this site's content (its users, briefs, experts, issues and files) "
            "with the archive's, signing everyone out.",
        )

    def handle(self, *args, archive, replace=False, **options):
        try:
            report = restore_backup(archive, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = report.manifest
        counts = manifest["counts"]
        media = [entry for entry in manifest["files"] if entry["path"].startswith("media/")]
        if report.replaced:
            self.stdout.write(f"Replaced {describe_counts(report.replaced)}.")
        self.stdout.write(
            f"Restored {counts.get('briefs.Brief', 0)} briefs, {counts.get('auth.User', 0)} "
            f"users, {sum(counts.values())} rows in all, and {len(media)} uploaded files from "
            f"{archive} (made {manifest['created_at']}); the search index was rebuilt."
        )
