"""Production server: migrations, static files check, the ingest, retention and contact-request
delivery threads and waitress, in one process.

    python manage.py serve [--port 8090] [--host 127.0.0.1] [--trusted-proxy 127.0.0.1]

Health check: GET /login/ answers 200 (with a URL prefix: GET <prefix>/login/).

Behind nginx (`make run-prod`) the console lives under CONSOLE_URL_PREFIX (settings.URL_PREFIX):
waitress serves only paths below it and tells Django (SCRIPT_NAME), so links, redirects and static
files carry it.
CONSOLE_TRUSTED_PROXY is the proxy's address: from it alone waitress takes the client's address
(X-Forwarded-For, for the login lock and the audit log) and scheme (X-Forwarded-Proto).
"""

from __future__ import annotations

import logging
import os
import signal
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from contacts.delivery import DeliveryThread
from conversations.ingest import IngestThread
from conversations.tracker_source import default_events
from privacy.retention import RetentionThread

log = logging.getLogger("console.serve")


class Command(BaseCommand):
    help = "Serve the console with waitress and run the ingest beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("CONSOLE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", "8090")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("CONSOLE_THREADS", "8")))
        parser.add_argument("--trusted-proxy", default=os.environ.get("CONSOLE_TRUSTED_PROXY", ""))
        parser.add_argument("--no-ingest", action="store_true", help="run the ingest elsewhere")
        parser.add_argument("--no-retention", action="store_true", help="no retention thread (--no-ingest implies it)")
        parser.add_argument(
            "--no-delivery", action="store_true", help="no contact-request mail thread (--no-ingest implies it)"
        )

    def handle(
        self,
        host: str,
        port: int,
        threads: int,
        trusted_proxy: str,
        no_ingest: bool,
        no_retention: bool,
        no_delivery: bool,
        **options,
    ):
        from waitress import serve

        from console_site.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            call_command("collectstatic", interactive=False, verbosity=0)
        ingest_thread = None
        if not no_ingest:
            ingest_thread = IngestThread(default_events())
            ingest_thread.start()
        retention_thread = None
        if not no_ingest and not no_retention:
            # Where the ingest runs, at start and then hourly: conversations past RETENTION_DAYS,
            # audit entries past AUDIT_RETENTION_DAYS.
            retention_thread = RetentionThread(default_events())
            retention_thread.start()
        delivery_thread = None
        if not no_ingest and not no_delivery:
            # The contact requests the ingest takes in: mailed (SMTP_HOST) or written to the outbox.
            delivery_thread = DeliveryThread()
            delivery_thread.start()

        def stop(signum, frame):
            log.info("stopping (signal %s)", signum)
            for thread in (ingest_thread, retention_thread, delivery_thread):
                if thread:
                    thread.stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("console on http://%s:%d/ (tracker store %s)", host, port, settings.TRACKER_STORE_URL.split("@")[-1])
        proxy = (
            {
                "trusted_proxy": trusted_proxy,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            }
            if trusted_proxy
            else {}
        )
        serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="sto-console",
            clear_untrusted_proxy_headers=True,
            url_prefix=settings.URL_PREFIX,
            **proxy,
        )
