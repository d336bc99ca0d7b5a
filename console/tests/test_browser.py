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
    first_user.locator("summary").click()
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


def test_beheerder_pages_and_accessibility(page, users, data):
    log_in(page, "bert")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("cell", name="rita", exact=True)).to_be_visible()
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
    assert_accessible(page)
    page.get_by_role("button", name="Definitief verwijderen").click()
    expect(page.get_by_role("status")).to_contain_text("verwijderd")
    expect(page.locator("#aantal")).to_have_text("9 gesprekken.")
    assert data.count(sender) == 0
    page.goto("/?signaal=persoon")
    expect(page.locator("#aantal")).to_have_text("1 gesprek gevonden.")
