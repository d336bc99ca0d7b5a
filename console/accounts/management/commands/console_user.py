"""Create or update a console account without a browser.

    CONSOLE_PASSWORD=... python manage.py console_user anna reviewer
Without CONSOLE_PASSWORD the password is asked for twice on the terminal.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from privacy import audit


class Command(BaseCommand):
    help = "Create a console account (or reset its password and role)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("role", choices=[r.value for r in Role])

    def handle(self, name: str, role: str, **options):
        if not name.strip():
            raise CommandError("NAME is empty")
        password = os.environ.get("CONSOLE_PASSWORD")
        if not password:
            password = self._ask_password()
        user = User.objects.filter(username__iexact=name).first() or User(username=name)
        user.role = role
        user.is_active = True
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password rejected: " + " ".join(error.messages)) from error
        created = user.pk is None
        user.set_password(password)
        user.save()
        verb = "created" if created else "updated"
        detail = f"{'aangemaakt' if created else 'gewijzigd: nieuw wachtwoord'}, rol {role}, actief"
        audit.record("manage.py console_user", "account", target=user.username, detail=detail)
        self.stdout.write(f"Account {user.username} ({role}) {verb}.")

    def _ask_password(self) -> str:
        try:
            first = getpass.getpass("Password: ")
            second = getpass.getpass("Password (again): ")
        except (EOFError, KeyboardInterrupt) as error:
            raise CommandError("No password given (set CONSOLE_PASSWORD or type one).") from error
        if first != second:
            raise CommandError("The passwords differ.")
        if not first:
            raise CommandError("Empty password.")
        return first
