"""Makes the client address of the current request available to privacy.audit.record()."""

from __future__ import annotations

from accounts.lockout import client_address
from privacy.audit import current_address


class AuditAddressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            current_address.reset(token)
