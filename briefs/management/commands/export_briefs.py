import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from briefs.interchange.documents import export_documents


class Command(BaseCommand):
    help = "Write every brief as a list of brief documents (JSON), to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout.")

    def handle(self, *args, output=None, **options):
        documents = export_documents()
        text = json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Written beside the target and renamed, so a failed export never leaves half a file.
        target = Path(output)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
        self.stderr.write(f"Exported {len(documents)} briefs to {target}.")
