from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import EditAccountForm, NewAccountForm, ThrottledLoginForm
from accounts.models import User
from accounts.permissions import beheerder_required
from privacy import audit


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@beheerder_required
@require_http_methods(["GET", "POST"])
def account_list(request):
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        User.objects.create_user(
            username=data["username"], password=data["password"], first_name=data["first_name"], role=data["role"]
        )
        audit.record(request.user, "account", target=data["username"], detail=f"aangemaakt, rol {data['role']}")
        messages.success(request, f"Account {data['username']} is aangemaakt.")
        return redirect("account_list")
    accounts = User.objects.order_by("username")
    return render(request, "accounts/account_list.html", {"accounts": accounts, "form": form})


@beheerder_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = get_object_or_404(User, pk=pk)
    initial = {"role": account.role, "is_active": account.is_active}
    form = EditAccountForm(request.POST or None, initial=initial, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if account == request.user and (data["role"] != account.role or not data["is_active"]):
            form.add_error(None, "U kunt uw eigen rol niet wijzigen en uw eigen account niet uitschakelen.")
        else:
            account.role = data["role"]
            account.is_active = data["is_active"]
            if data["new_password"]:
                account.set_password(data["new_password"])
            account.save()
            changes = f"rol {account.role}, {'actief' if account.is_active else 'uitgeschakeld'}"
            if data["new_password"]:
                changes += ", nieuw wachtwoord"
            audit.record(request.user, "account", target=account.username, detail=f"gewijzigd: {changes}")
            messages.success(request, f"Account {account.username} is bijgewerkt.")
            return redirect("account_list")
    return render(request, "accounts/account_edit.html", {"account": account, "form": form})
