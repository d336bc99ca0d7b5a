"""Send the queued contact requests (SMTP, or the outbox without SMTP_HOST).

    python manage.py deliver_contacts          # keep sending, every CONTACT_DELIVERY_INTERVAL s
    python manage.py deliver_contacts --once   # what is due now, then exit (status 1 if any failed)

`manage.py serve` and `manage.py ingest` run the same in a thread.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from contacts import delivery
from contacts.models import QUEUED, ContactRequest


class Command(BaseCommand):
    help = "Send queued contact requests by e-mail (or into the outbox directory)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, once: bool, **options):
        if once:
            run = delivery.deliver_due()
            waiting = ContactRequest.objects.filter(status__in=QUEUED).count()
            self.stdout.write(f"contact requests: {run}, {waiting} still queued")
            if run.failed:
                raise CommandError(f"{run.failed} contact request(s) could not be sent; they stay queued")
            return
        thread = delivery.DeliveryThread()
        signal.signal(signal.SIGTERM, lambda *_: thread.stop())
        thread.start()
        try:
            while thread.is_alive():
                thread.join(1)
        except KeyboardInterrupt:
            thread.stop()
            thread.join(30)
