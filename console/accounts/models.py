"""Console accounts: personal logins with one of two roles, and the login-attempt log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    REVIEWER = "reviewer", "Reviewer"
    BEHEERDER = "beheerder", "Beheerder"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REVIEWER)

    @property
    def is_beheerder(self) -> bool:
        return self.is_active and self.role == Role.BEHEERDER


class LoginAttempt(models.Model):
    """One login try; recent failures lock the account name and the client address."""

    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["address", "at"]),
        ]
