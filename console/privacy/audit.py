"""Writing the audit log (privacy.models.AuditEntry)."""

from __future__ import annotations

import ipaddress
import logging
from contextvars import ContextVar

log = logging.getLogger("console.audit")

# The client address of the request being served (set by privacy.middleware.AuditAddressMiddleware).
current_address: ContextVar[str | None] = ContextVar("audit_address", default=None)


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def record(user, action: str, target: str = "", detail: str = "", address: str | None = None) -> None:
    """One audit entry. `user` is an account, a name (commands: "system", "console_user") or None.

    Never stores message texts: `detail` holds ids, counts and filters only.
    """
    from privacy.models import AuditEntry

    account = user if getattr(user, "pk", None) is not None else None
    if account is not None:
        username = account.get_username()
    else:
        username = str(user or "")
    AuditEntry.objects.create(
        user=account,
        username=username[:150],
        action=str(action)[:20],
        target=str(target)[:255],
        detail=str(detail),
        address=_address(address if address is not None else current_address.get()),
    )
