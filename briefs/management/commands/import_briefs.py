import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from briefs.documents import DocumentError, import_documents


class Command(BaseCommand):
    help = (
        "Create or update briefs from brief documents (.json: one object or a list). "
        "Briefs are matched by slug, so importing the same file again updates them. "
        "Each file is imported whole or not at all; a bad file does not stop the others."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change, and change nothing."
        )

    def handle(self, *args, files, dry_run=False, **options):
        failed = [path for path in files if not self.import_file(Path(path), dry_run)]
        if failed:
            raise CommandError(f"{len(failed)} of {len(files)} files were not imported.")

    def import_file(self, path, dry_run):
        try:
            raw = self.read(path)
            report = import_documents(raw, dry_run=dry_run)
        except (CommandError, DocumentError) as error:
            problems = getattr(error, "problems", [str(error)])
            self.stderr.write(f"{path}: not imported")
            for problem in problems:
                self.stderr.write(f"  {problem}")
            return False
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{path}: {len(report.created)} briefs {verb} created, {len(report.updated)} "
            f"updated, {len(report.unchanged)} unchanged."
        )
        for slug in report.created:
            self.stdout.write(f"  new      {slug}")
        for slug in report.updated:
            self.stdout.write(f"  updated  {slug} ({', '.join(report.changes[slug])})")
        return True

    def read(self, path):
        if path.suffix.lower() != ".json":
            raise CommandError(
                "only brief documents (.json) can be imported; plain-text briefs are not "
                "supported yet"
            )
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read the file: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise CommandError("the file is not UTF-8 text") from error
        except json.JSONDecodeError as error:
            raise CommandError(
                f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            ) from error
