"""The audit log: who did what with conversation data, and when. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    def purge_older_than(self, cutoff) -> int:
        """Only for retention (AUDIT_RETENTION_DAYS): the one way entries go."""
        return models.QuerySet(self.model, using=self.db).filter(at__lt=cutoff)._raw_delete(self.db)


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "Gesprek bekeken"
        EXPORT = "export", "Export"
        REVEAL = "reveal", "Bericht onthuld"
        DELETE = "delete", "Gesprek verwijderd"
        SEARCH = "search", "Gezocht naar persoon"
        ACCOUNT = "account", "Accountwijziging"
        RETENTION = "retention", "Bewaartermijn toegepast"
        ANNOTATE = "annotate", "Annotatie"
        CONTACT_VIEW = "contact_view", "Contactverzoek bekeken"
        CONTACT_STATUS = "contact_status", "Contactverzoek: status"
        CONTACT_REVEAL = "contact_reveal", "Contactgegevens onthuld"
        CONTACT_DELETE = "contact_delete", "Contactverzoek verwijderd"

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # The account is kept as a name too: the log outlives renamed or removed accounts.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=20)
    target = models.CharField(max_length=255, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["username", "-at"], name="audit_user_at"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AuditLogIsAppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.target}"
