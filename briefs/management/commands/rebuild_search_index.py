from django.core.management.base import BaseCommand

from briefs.models import Brief
from briefs.public import freshness, search
from events import outbox
from events.models import Kind

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
        # Search pages kept under the old token were made from the old index: a new token,
        # once the whole index is written (in the caller's transaction, when there is one, as
        # in a restore), so the next search reads the new one.
        freshness.bump()
        outbox.record(Kind.SITE_CHANGED, "site", {"title": "Every brief indexed for search again"})
        self.stdout.write(f"Indexed {len(ids)} briefs.")
