from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied


def beheerder_required(view):
    """Beheerder pages: anyone else (reviewers) gets 403. Anonymous users never get here."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(request.user, "is_beheerder", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
