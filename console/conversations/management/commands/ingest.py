"""Copy new events from Rasa's tracker store into the console's read model.

python manage.py ingest           # poll forever (every CONSOLE_INGEST_INTERVAL seconds), apply
                                  # retention at start and hourly (privacy.retention) and send
                                  # contact requests (contacts.delivery)
python manage.py ingest --once    # one catch-up pass, then exit
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from contacts.delivery import DeliveryThread
from conversations import ingest
from conversations.tracker_source import default_events
from privacy.retention import RetentionThread


class Command(BaseCommand):
    help = "Ingest Rasa tracker-store events into the console's tables."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, once: bool, **options):
        source = default_events()
        if once:
            started = time.monotonic()
            added = ingest.run_once(source)
            source.close()
            self.stdout.write(f"ingested {added} events in {time.monotonic() - started:.1f} s")
            return
        thread = ingest.IngestThread(source)
        retention = RetentionThread(default_events())
        delivery = DeliveryThread()

        def stop(*_):
            thread.stop()
            retention.stop()
            delivery.stop()

        signal.signal(signal.SIGTERM, stop)
        thread.start()
        retention.start()
        delivery.start()
        try:
            while thread.is_alive():
                thread.join(1)
        except KeyboardInterrupt:
            stop()
            thread.join(10)
