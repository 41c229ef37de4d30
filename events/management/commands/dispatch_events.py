from django.core.management.base import BaseCommand

from events.dispatch import handle_due
from events.models import HandlerRun


class Command(BaseCommand):
    help = (
        "Hand every event due now to its handlers, once, and exit: what the worker does "
        "continuously. Handlers that fail are retried by a later run, after their backoff."
    )

    def handle(self, *args, **options):
        events, finished = handle_due()
        waiting = HandlerRun.objects.filter(outcome=HandlerRun.Outcome.FAILED).count()
        self.stdout.write(f"Handed over {events} due events; {finished} finished.")
        if waiting:
            self.stdout.write(f"{waiting} handler runs failed and will be retried.")
