from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import lockout
from accounts.models import Role, User

LOCKED_MESSAGE = "Te veel mislukte inlogpogingen. Wacht %(minutes)s minuten en probeer het dan opnieuw."


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Onjuiste gebruikersnaam of wachtwoord. Let op hoofdletters.",
        "inactive": "Dit account is uitgeschakeld.",
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        address = lockout.client_address(self.request)
        if lockout.is_locked(username, address):
            lockout.record(username, address, succeeded=False)
            raise ValidationError(LOCKED_MESSAGE, code="locked", params={"minutes": settings.LOGIN_LOCK_MINUTES})
        try:
            cleaned = super().clean()
        except ValidationError:
            lockout.record(username, address, succeeded=False)
            raise
        lockout.record(username, address, succeeded=True)
        return cleaned


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        label="Gebruikersnaam",
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": "Gebruik alleen letters, cijfers en . @ + - _"},
    )
    first_name = forms.CharField(label="Naam", max_length=150, required=False)
    role = forms.ChoiceField(label="Rol", choices=Role.choices)
    password = forms.CharField(label="Wachtwoord", widget=forms.PasswordInput(render_value=False), strip=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Deze gebruikersnaam bestaat al.")
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            password_validation.validate_password(cleaned["password"], User(username=cleaned.get("username", "")))
        return cleaned


class EditAccountForm(forms.Form):
    role = forms.ChoiceField(label="Rol", choices=Role.choices)
    is_active = forms.BooleanField(label="Account actief", required=False)
    new_password = forms.CharField(
        label="Nieuw wachtwoord (leeg laten om niet te wijzigen)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def __init__(self, *args, account: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            password_validation.validate_password(password, self.account)
        return password
