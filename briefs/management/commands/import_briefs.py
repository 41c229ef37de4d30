import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from briefs.interchange.documents import DocumentError, import_documents
from briefs.interchange.plaintext import ParseError, UnknownIssues, decode_text, import_text

SUFFIXES = {".json", ".txt"}
# Two imports of the same briefs at once: the one that commits second finds a slug (or an
# expert, an issue) the other has just created, and its transaction is rolled back whole.
RACED = (
    "another import changed the same briefs at the same time; nothing of this file was "
    "imported \N{EM DASH} run it again"
)


class FileProblem(Exception):
    """A file that cannot be imported, with what to print: `location: message` lines."""

    def __init__(self, *problems):
        self.problems = problems
        super().__init__("\n".join(problems))


class Command(BaseCommand):
    help = (
        "Create or update briefs from brief documents (.json: one object or a list) and "
        "plain-text briefs (.txt, as copied from a web page: each becomes a draft unless "
        "--publish is given). A folder imports every .json and .txt file in it, in name "
        "order. Briefs are matched by slug, so importing the same file again updates them. "
        "Each file is imported whole or not at all; a bad file does not stop the others."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="A file or a folder.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would change, and change nothing; plain-text briefs are printed "
            "as brief documents (JSON).",
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish plain-text briefs at the date of their date line instead of "
            "making drafts (brief documents carry their own status).",
        )
        parser.add_argument(
            "--create-issues",
            action="store_true",
            help="Create the issues a plain-text brief names that do not exist yet, instead "
            "of stopping with their names.",
        )

    def handle(self, *args, files, dry_run=False, publish=False, create_issues=False, **options):
        paths = self.expand(files)
        failed = [
            path
            for path in paths
            if not self.import_file(path, dry_run=dry_run, publish=publish, create=create_issues)
        ]
        if failed:
            raise CommandError(f"{len(failed)} of {len(paths)} files were not imported.")

    def expand(self, files):
        """The files named, with each folder replaced by the files it holds, sorted."""
        paths = []
        for name in files:
            path = Path(name)
            if path.is_dir():
                inside = sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and child.suffix.lower() in SUFFIXES
                )
                # An empty folder is reported like a bad file: nothing was imported from it.
                paths.extend(inside or [path])
            else:
                paths.append(path)
        return paths

    def import_file(self, path, *, dry_run, publish, create):
        try:
            if path.is_dir():
                raise FileProblem("no .json or .txt files in this folder")
            if path.suffix.lower() == ".txt":
                report, details = self.import_text_file(path, dry_run, publish, create)
            else:
                report, details = import_documents(self.read_json(path), dry_run=dry_run), []
        except (FileProblem, DocumentError) as error:
            return self.not_imported(path, error.problems)
        except IntegrityError:
            return self.not_imported(path, [RACED])
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{path}: {len(report.created)} briefs {verb} created, {len(report.updated)} "
            f"updated, {len(report.unchanged)} unchanged."
        )
        for slug in report.created:
            self.stdout.write(f"  new      {slug}")
        for slug in report.updated:
            self.stdout.write(f"  updated  {slug} ({', '.join(report.changes[slug])})")
        for line in details:
            self.stdout.write(line)
        return True

    def not_imported(self, path, problems):
        self.stderr.write(f"{path}: not imported")
        for problem in problems:
            self.stderr.write(f"  {problem}")
        return False

    def import_text_file(self, path, dry_run, publish, create_issues):
        text = self.read_text(path)
        try:
            result = import_text(
                text, publish=publish, create_issues=create_issues, dry_run=dry_run
            )
        except ParseError as error:
            hint = " (import with --create-issues to create them)"
            message = error.message + (hint if isinstance(error, UnknownIssues) else "")
            raise FileProblem(f"{path}:{error.line_number}: {message}") from error
        details = [f"  new issue  {name}" for name in result.parsed.new_issues]
        if dry_run:
            details.append(json.dumps(result.document, indent=2, ensure_ascii=False))
        return result.report, details

    def read_text(self, path):
        try:
            text, warning = decode_text(path.read_bytes())
        except OSError as error:
            raise FileProblem(f"cannot read the file: {error.strerror}") from error
        except UnicodeError as error:
            raise FileProblem(str(error)) from error
        if warning:
            self.stderr.write(f"{path}: warning: {warning}")
        return text

    def read_json(self, path):
        if path.suffix.lower() != ".json":
            raise FileProblem(
                "only brief documents (.json) and plain-text briefs (.txt) can be imported"
            )
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise FileProblem(f"cannot read the file: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise FileProblem("the file is not UTF-8 text") from error
        except json.JSONDecodeError as error:
            raise FileProblem(
                f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            ) from error
