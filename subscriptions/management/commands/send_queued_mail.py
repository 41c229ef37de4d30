from django.core.management.base import BaseCommand

from subscriptions import delivery, digests


class Command(BaseCommand):
    help = (
        "Make today's digest if its time has come, then send the subscription mail that is "
        "due, once, and exit (the worker does both on its own)."
    )

    def handle(self, *args, **options):
        digests.make_due_digest()
        handled = delivery.send_queued()
        self.stdout.write(f"{handled} deliveries handled.")
