"""Login throttling: after N failures within the window, further attempts are refused.

Counts failures per account name and per client address since the last success, so a correct
password does not open a locked account before the window has passed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginAttempt


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def _recent_failures(**match) -> int:
    since = _window_start()
    last_success = (
        LoginAttempt.objects.filter(succeeded=True, at__gte=since, **match)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(succeeded=False, at__gte=last_success or since, **match)
    return failures.count()


def is_locked(username: str, address: str | None) -> bool:
    username = username.strip().lower()
    if _recent_failures(username=username) >= settings.LOGIN_MAX_FAILURES:
        return True
    return bool(address) and _recent_failures(address=address) >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS


def record(username: str, address: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(username=username.strip().lower()[:150], address=address or None, succeeded=succeeded)
    # Keep the table small: attempts older than a day are of no use to the lock.
    LoginAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def client_address(request) -> str | None:
    # REMOTE_ADDR only: behind nginx, set the real address there (X-Forwarded-For is spoofable).
    return request.META.get("REMOTE_ADDR") or None
