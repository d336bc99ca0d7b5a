"""Pages of the contact requests: list (filters, counts, paging), detail (delivery, mail, history),
the actions "Markeer als afgehandeld" and "Opnieuw versturen", reveal and deletion (beheerder),
masked CSV export. Every view and action is written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import beheerder_required
from contacts import delivery, masked, outbox
from contacts.erase import erase_requests
from contacts.export import csv_stream
from contacts.models import ContactRequest, Status, Via
from conversations.regions import region_names
from privacy import audit
from privacy.models import AuditEntry

PAGE_SIZE = 50
REVEAL_SESSION_KEY = "contacts-revealed-request"
UNKNOWN_REGION = "onbekend"


@dataclass
class ContactFilter:
    status: str = ""
    region: str = ""

    @classmethod
    def from_params(cls, params) -> ContactFilter:
        status = params.get("status", "")
        return cls(status=status if status in Status.values else "", region=params.get("regio", "").strip()[:100])

    @property
    def active(self) -> bool:
        return bool(self.status or self.region)

    def by_region(self, requests: QuerySet[ContactRequest]) -> QuerySet[ContactRequest]:
        if self.region == UNKNOWN_REGION:
            return requests.filter(region_id="")
        return requests.filter(region_id=self.region) if self.region else requests

    def apply(self, requests: QuerySet[ContactRequest]) -> QuerySet[ContactRequest]:
        requests = self.by_region(requests)
        return requests.filter(status=self.status) if self.status else requests

    def describe(self) -> str:
        parts = [f"status={self.status}"] if self.status else []
        parts += [f"regio={self.region}"] if self.region else []
        return "&".join(parts) or "geen filter"


def _region_choices() -> list[tuple[str, str]]:
    names = region_names()
    seen = dict(ContactRequest.objects.order_by().values_list("region_id", "region_name").distinct())
    choices = sorted(((rid, names.get(rid) or name or rid) for rid, name in seen.items() if rid), key=lambda c: c[1])
    if "" in seen:
        choices.append((UNKNOWN_REGION, "Regio onbekend"))
    return choices


@require_GET
def contact_list(request):
    filters = ContactFilter.from_params(request.GET)
    counted = dict(
        filters.by_region(ContactRequest.objects.all()).order_by().values_list("status").annotate(n=Count("id"))
    )
    counts = [(value, label, counted.get(value, 0)) for value, label in Status.choices]
    page = Paginator(filters.apply(ContactRequest.objects.all()), PAGE_SIZE).get_page(request.GET.get("pagina"))
    for r in page.object_list:
        r.shown = masked.fields(r)
        r.shown_company = masked.mask_known(r.company, r)
    return render(
        request,
        "contacts/list.html",
        {
            "page": page,
            "filters": filters,
            "counts": counts,
            "total": sum(counted.values()),
            "statuses": Status.choices,
            "regions": _region_choices(),
        },
    )


def _mail_shown(r: ContactRequest, revealed: bool) -> dict | None:
    """The outbox copy of the mail, decoded; masked unless revealed."""
    if r.delivered_via != Via.OUTBOX or not r.outbox_file:
        return None
    message = outbox.read(r.outbox_file)
    if message is None:
        return {"missing": True, "file": r.outbox_file}
    names = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")
    # strip(): a header folded right after its name parses with a leading space
    text = "\n".join(f"{name}: {str(message[name]).strip()}" for name in names if message.get(name) is not None)
    text += "\n\n" + message.get_content()
    return {"missing": False, "file": r.outbox_file, "text": text if revealed else masked.mask_known(text, r)}


@require_GET
def contact_detail(request, pk: int):
    r = get_object_or_404(ContactRequest.objects.select_related("conversation"), pk=pk)
    revealed = request.session.pop(REVEAL_SESSION_KEY, None) == r.pk and request.user.is_beheerder
    audit.record(request.user, "contact_view", target=r.audit_target, detail="onthuld" if revealed else "")
    history = AuditEntry.objects.filter(target=r.audit_target, action="contact_status").order_by("at", "id")
    return render(
        request,
        "contacts/detail.html",
        {
            "r": r,
            "revealed": revealed,
            "shown": masked.revealed(r) if revealed else masked.fields(r),
            "shown_company": r.company if revealed else masked.mask_known(r.company, r),
            "mail": _mail_shown(r, revealed),
            "history": history,
            "now": timezone.now(),
        },
    )


def _back(r: ContactRequest):
    return redirect("contact_detail", pk=r.pk)


@require_POST
def mark_handled(request, pk: int):
    r = get_object_or_404(ContactRequest, pk=pk)
    if r.status == Status.HANDLED:
        messages.info(request, "Dit contactverzoek was al afgehandeld.")
        return _back(r)
    previous = r.get_status_display().lower()
    ContactRequest.objects.filter(pk=r.pk).update(
        status=Status.HANDLED,
        handled_at=timezone.now(),
        handled_by=request.user,
        handled_by_name=request.user.get_username(),
        next_attempt_at=None,
    )
    audit.record(request.user, "contact_status", target=r.audit_target, detail=f"afgehandeld (was {previous})")
    messages.success(request, "Het contactverzoek is gemarkeerd als afgehandeld.")
    return _back(r)


@require_POST
def resend(request, pk: int):
    """Queue it for now and try at once (a resend, also after a delivery)."""
    r = get_object_or_404(ContactRequest, pk=pk)
    if r.status == Status.HANDLED:
        messages.error(request, "Dit contactverzoek is afgehandeld en wordt niet opnieuw verstuurd.")
        return _back(r)
    delivery.queue_again(r, request.user)
    delivery.deliver_due(only=r.pk)
    r.refresh_from_db()
    if r.status == Status.SENT:
        to = r.recipients if r.delivered_via == Via.SMTP else f"de outbox-map ({r.outbox_file})"
        messages.success(request, f"Het contactverzoek is verstuurd naar {to}.")
    elif r.status == Status.FAILED:
        messages.error(request, f"Versturen is mislukt: {r.last_error} Het wordt automatisch opnieuw geprobeerd.")
    else:
        messages.info(request, "Het contactverzoek staat klaar en wordt zo verstuurd.")
    return _back(r)


@beheerder_required
@require_POST
def reveal(request, pk: int):
    r = get_object_or_404(ContactRequest, pk=pk)
    request.session[REVEAL_SESSION_KEY] = r.pk
    audit.record(request.user, "contact_reveal", target=r.audit_target, detail="contactgegevens")
    return _back(r)


@beheerder_required
@require_POST
def delete(request, pk: int):
    r = get_object_or_404(ContactRequest, pk=pk)
    erase_requests(ContactRequest.objects.filter(pk=r.pk), by=request.user.get_username())
    audit.record(request.user, "contact_delete", target=r.audit_target, detail="op zichzelf verwijderd")
    messages.success(request, "Het contactverzoek is verwijderd, met de kopie in de outbox-map.")
    return redirect("erasure" if request.POST.get("terug") == "verwijderverzoeken" else "contact_list")


@require_GET
def export(request):
    filters = ContactFilter.from_params(request.GET)
    audit.record(request.user, "export", target="contactverzoeken.csv", detail=filters.describe())
    requests = filters.apply(ContactRequest.objects.all())
    response = StreamingHttpResponse(csv_stream(requests), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="sto-contactverzoeken-{stamp}.csv"'
    return response
