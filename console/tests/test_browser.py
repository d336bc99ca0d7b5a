"""Browser tests in Debian's Chromium (Playwright; no browser download), against a live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from accounts.models import Role
from conversations.models import Conversation, ReviewStatus
from tests.conftest import PASSWORD, load_recorded, make_user

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def data(transactional_db, tracker):
    return load_recorded(tracker)


@pytest.fixture
def users(transactional_db):
    return {"reviewer": make_user("rita", Role.REVIEWER), "beheerder": make_user("bert", Role.BEHEERDER)}


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    if AXE.exists():
        context.add_init_script(path=str(AXE))
    opened = context.new_page()
    opened.csp_errors = []
    opened.on(
        "console", lambda msg: opened.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    opened.set_default_timeout(20_000)  # the machines are shared and sometimes busy
    yield opened
    context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def assert_accessible(page) -> None:
    assert AXE.exists(), "run `npm ci` in console/ (make console-install) for axe-core"
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


def test_login_logout_and_nothing_without_login(page, users, data):
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/dashboard/"))
    log_in(page, "rita", "verkeerd-wachtwoord")
    expect(page.get_by_role("alert")).to_contain_text("Onjuiste gebruikersnaam of wachtwoord")
    log_in(page, "rita")
    expect(page.get_by_role("heading", name="Gesprekken", exact=True)).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert not page.csp_errors


def test_filter_and_search_are_in_the_url(page, users, data):
    log_in(page, "rita")
    expect(page.locator("#aantal")).to_have_text("10 gesprekken.")
    page.get_by_label("Fallback gebeurd").check()
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"signaal=fallback"))
    expect(page.locator("#aantal")).to_have_text("4 gesprekken gevonden.")
    assert "intent=" not in page.url  # empty fields are dropped (static console.js)
    page.get_by_label("Zoeken in berichten").fill("medewerker")
    page.get_by_role("button", name="Filteren").click()
    shared = page.url
    assert "q=medewerker" in shared and "signaal=fallback" in shared
    count_text = page.locator("#aantal").inner_text()
    page.goto("/")
    page.goto(shared)  # a bookmarked view shows the same result
    expect(page.locator("#aantal")).to_have_text(count_text)
    page.get_by_role("link", name="Filters wissen").click()
    page.get_by_label("Zoeken in berichten").fill("stageplaatsen")
    page.get_by_role("button", name="Filteren").click()
    expect(page.locator("#aantal")).to_contain_text("gevonden")
    rows = page.locator("table.conversations tbody tr")
    assert 1 <= rows.count() < 10
    rows.first.locator("a").click()
    expect(page.locator(".turn.user", has_text="stageplaatsen").first).to_be_visible()
    page.go_back()
    assert_accessible(page)
    assert not page.csp_errors


def test_transcript_tag_flag_and_status(page, users, data):
    log_in(page, "rita")
    page.goto("/?signaal=persoon")
    page.locator("a.open-conversation").first.click()
    expect(page.get_by_role("heading", name="Verloop")).to_be_visible()
    expect(page.locator(".turn.user").first).to_contain_text("Intent")
    expect(page.locator(".turn.user .mark-human, .mark-human").first).to_be_visible()
    expect(page.locator(".turn.bot code").first).to_contain_text("utter_")
    # tag with a suggestion
    page.get_by_label("Label toevoegen").fill("goed gesprek")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("ul.tags")).to_contain_text("goed gesprek")
    # flag one message with a note
    first_user = page.locator(".turn.user").first
    first_user.locator(".flag-form summary").click()
    first_user.get_by_label("Notitie bij dit bericht").fill("Intent klopt niet")
    first_user.get_by_role("button", name="Markering opslaan").click()
    expect(page.locator(".turn.user").first.locator(".flag")).to_contain_text("Intent klopt niet")
    # review status
    page.get_by_label("Beoordelingsstatus").select_option("later")
    page.get_by_role("button", name="Status opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Later")
    assert_accessible(page)
    # the list filters on them
    page.goto("/?label=goed+gesprek&status=later")
    expect(page.locator("#aantal")).to_have_text("1 gesprek gevonden.")
    assert Conversation.objects.get(review_status=ReviewStatus.LATER).asked_human
    assert not page.csp_errors


def test_dashboard(page, users, data):
    log_in(page, "rita")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#kpi-conversations")).to_have_text("10")
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.get_by_role("heading", name="Recent niet begrepen")).to_be_visible()
    assert page.locator("#niet-begrepen ~ table tbody tr, section table tbody tr").count() >= 1
    page.get_by_label("Vanaf").fill("2001-01-01")
    page.get_by_label("Tot en met").fill("2001-01-31")
    page.get_by_role("button", name="Toon periode").click()
    expect(page.locator("#kpi-conversations")).to_have_text("0")
    assert_accessible(page)
    assert not page.csp_errors


def test_reviewer_is_denied_beheerder_pages(page, users, data):
    log_in(page, "rita")
    expect(page.get_by_role("link", name="Accounts")).to_have_count(0)
    response = page.goto("/beheer/accounts/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Geen toegang")).to_be_visible()
    pk = Conversation.objects.first().pk
    assert page.goto(f"/gesprekken/{pk}/verwijderen/").status == 403
    expect(page.get_by_role("link", name="Auditlog")).to_have_count(0)
    assert page.goto("/beheer/auditlog/").status == 403
    assert page.goto("/beheer/verwijderverzoeken/").status == 403


def test_beheerder_pages_and_accessibility(page, users, data):
    log_in(page, "bert")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("cell", name="rita", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Auditlog").click()
    expect(page.get_by_role("heading", name="Auditlog")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Verwijderverzoeken").click()
    expect(page.get_by_role("heading", name="Verwijderverzoeken")).to_be_visible()
    assert_accessible(page)
    page.goto("/login/")  # logged in: the login page sends you on
    page.context.clear_cookies()
    page.goto("/login/")
    assert_accessible(page)


def test_beheerder_deletes_a_conversation(page, users, data):
    log_in(page, "bert")
    page.goto("/?signaal=persoon")
    expect(page.locator("#aantal")).to_have_text("2 gesprekken gevonden.")
    page.locator("a.open-conversation").first.click()
    sender = page.locator("code.sender").inner_text()
    page.get_by_role("link", name="Gesprek verwijderen…").click()
    # wait for the page: axe on a document that is being replaced fails (seen under load)
    expect(page.get_by_role("button", name="Definitief verwijderen")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Definitief verwijderen").click()
    expect(page.get_by_role("status")).to_contain_text("verwijderd")
    expect(page.locator("#aantal")).to_have_text("9 gesprekken.")
    assert data.count(sender) == 0
    page.goto("/?signaal=persoon")
    expect(page.locator("#aantal")).to_have_text("1 gesprek gevonden.")


def test_annotate_inbox_and_export(page, users, data):
    log_in(page, "rita")
    conversation = Conversation.objects.get(sender_id__startswith="a9079da3")
    page.goto(f"/gesprekken/{conversation.pk}/")
    turn = page.locator(".turn.user", has_text="Welke regio hoort bij Utrecht?")
    turn.locator("summary", has_text="Beoordelen").click()
    turn.get_by_label("Juiste intent").select_option("find_region")
    turn.get_by_label("Plaats in het bericht (optioneel)").fill("Utrecht")
    turn.get_by_role("button", name="Beoordeling opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Beoordeling opgeslagen: find_region")
    expect(
        page.locator(".turn.user", has_text="Welke regio hoort bij Utrecht?").locator(".annotation")
    ).to_contain_text("plaats “Utrecht”")
    assert_accessible(page)
    # the inbox: no longer there; confirm another message with one click
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="NLU-inbox").click()
    expect(page.get_by_role("heading", name="NLU-inbox")).to_be_visible()
    expect(page.locator("table.inbox")).not_to_contain_text(["Welke regio hoort bij Utrecht?"])
    assert_accessible(page)
    page.get_by_label("Voorspelde intent").select_option("cofinancing_amount")
    page.get_by_role("button", name="Tonen").click()
    row = page.locator("table.inbox tbody tr", has_text="hoeveel kofinanciering").first
    row.get_by_role("button", name="Bevestigen").click()
    expect(page.get_by_role("status")).to_contain_text("Beoordeling opgeslagen: cofinancing_amount")
    expect(page).to_have_url(re.compile(r"/inbox/\?intent=cofinancing_amount"))
    # correct a fallback message
    page.goto("/inbox/?intent=nlu_fallback")
    row = page.locator("table.inbox tbody tr", has_text="Mijn bedrijf is gevestigd in Leeuwarden")
    row.locator("select").select_option("find_region")
    row.get_by_role("button", name="Corrigeren").click()
    expect(page.locator("table.inbox")).not_to_contain_text(["Mijn bedrijf is gevestigd in Leeuwarden"])
    # the training data page lists them and downloads the file
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Trainingsdata").click()
    expect(page.locator("#export-aantal")).to_contain_text("3 zinnen in de export")
    expect(page.locator("td.example", has_text="[Utrecht](place)")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="reviewed.yml downloaden").click()
    assert download.value.suggested_filename == "reviewed.yml"
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert "- Welke regio hoort bij [Utrecht](place)?" in exported
    assert "- Mijn bedrijf is gevestigd in Leeuwarden" in exported and "- hoeveel kofinanciering" in exported
    assert not page.csp_errors


def test_beheerder_reveals_a_masked_phone_number_and_sees_the_audit_entry(page, users, data):
    from conversations import ingest

    typed = "Bel mij op 06-12345678, wij zitten in Emmen"
    masked = "Bel mij op [telefoonnummer], wij zitten in Emmen"
    sender = data.conversation(text=typed, intent="human_handoff")
    ingest.run_once(data.source)
    pk = Conversation.objects.get(sender_id=sender).pk
    log_in(page, "bert")
    page.goto(f"/gesprekken/{pk}/")
    user_turn = page.locator(".turn.user").first
    expect(user_turn.locator("p.text")).to_have_text(masked)
    assert_accessible(page)
    user_turn.get_by_role("button", name=re.compile("^Onthullen")).click()
    expect(page.locator(".turn.user p.text.revealed")).to_have_text(typed)
    page.reload()  # shown once
    expect(page.locator(".turn.user p.text").first).to_have_text(masked)
    page.get_by_role("link", name="Auditlog").click()
    first_entry = page.locator("table.audit tbody tr").first
    expect(first_entry).to_contain_text("Gesprek bekeken")
    expect(page.locator("table.audit tbody tr", has_text="Bericht onthuld")).to_contain_text(f"gesprek {pk}")
    # an erasure request: found by the number in another notation, then deleted
    page.get_by_role("link", name="Verwijderverzoeken").click()
    page.get_by_label("Telefoonnummer, e-mailadres of gesprek-id").fill("+31 6 1234 5678")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("#resultaat")).to_have_text("Gevonden op telefoonnummer: 1 gesprek")
    expect(page.get_by_role("cell", name=masked)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Definitief verwijderen")).click()
    expect(page.get_by_role("status")).to_contain_text("verwijderd")
    assert data.count(sender) == 0 and not Conversation.objects.filter(pk=pk).exists()
    assert not page.csp_errors


def test_contact_requests_list_filter_detail_and_mark_handled(page, users, tracker):
    from contacts import delivery
    from contacts.models import ContactRequest, Status
    from conversations import ingest

    wanted = tracker.contact_request_value()
    tracker.contact_request(wanted)
    tracker.contact_request(
        tracker.contact_request_value(company="Zwolse Installatie", region_id="zwolle", region_name="Zwolle")
    )
    ingest.run_once(tracker.source)
    delivery.deliver_due()  # no SMTP_HOST in tests: both into the (temporary) outbox
    log_in(page, "rita")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Contactverzoeken").click()
    expect(page.get_by_role("heading", name="Contactverzoeken")).to_be_visible()
    expect(page.locator("#aantal")).to_have_text("2 contactverzoeken.")
    expect(page.locator("table.contacts")).to_contain_text("[e-mail]")
    expect(page.locator("table.contacts")).not_to_contain_text("henk@bosman.nl")
    assert_accessible(page)
    # filter by region: in the URL, empty fields dropped
    page.get_by_label("Regio").select_option("deventertwello")
    page.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"regio=deventertwello"))
    assert "status=" not in page.url
    expect(page.locator("#aantal")).to_have_text("1 contactverzoek gevonden.")
    expect(page.locator("ul.status-counts")).to_contain_text("Doorgestuurd (1)")
    # open it, mark it handled
    page.locator("a.open-request").first.click()
    expect(page.get_by_role("heading", name="Contactverzoek van Bosman Grondverzet BV")).to_be_visible()
    expect(page.locator("#contact-email")).to_have_text("[e-mail]")
    expect(page.locator("#mail-text")).to_contain_text("Contactverzoek via de STO-assistent")
    expect(page.get_by_role("button", name="Contactgegevens onthullen")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Markeer als afgehandeld").click()
    expect(page.get_by_role("status")).to_contain_text("gemarkeerd als afgehandeld")
    expect(page.locator("#contact-status")).to_contain_text("Afgehandeld door rita")
    expect(page.get_by_role("button", name="Opnieuw versturen")).to_have_count(0)
    expect(page.locator("ol.history")).to_contain_text("afgehandeld (was doorgestuurd)")
    page.get_by_role("link", name="← Terug naar de contactverzoeken").click()
    page.get_by_role("link", name=re.compile(r"^Afgehandeld \(1\)")).click()
    expect(page.locator("#aantal")).to_have_text("1 contactverzoek gevonden.")
    expect(page.locator("table.contacts")).to_contain_text("Bosman Grondverzet BV")
    assert ContactRequest.objects.get(request_id=wanted["id"]).status == Status.HANDLED
    assert not page.csp_errors
