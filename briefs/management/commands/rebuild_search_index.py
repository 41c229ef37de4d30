from django.core.management.base import BaseCommand

from briefs.models import Brief
from briefs.public import search

BATCH = 500


class Command(BaseCommand):
    help = (
        "Write the search index of every brief. Saving keeps it current; this is for a "
        "database filled without saving through Django (bulk loads, restores)."
    )

    def handle(self, *args, **options):
        ids = list(Brief.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            search.reindex(ids[start : start + BATCH])
        self.stdout.write(f"Indexed {len(ids)} briefs.")
