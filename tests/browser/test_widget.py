"""Browser tests for the STO chat widget (web/), against the running stack.

Needs the session fixture `stack` (tests/conftest.py) with `web_url` (web/serve.py) and
`rasa_url` (Rasa with the trained model and the action server), Debian's chromium at
/usr/bin/chromium, and web/node_modules (axe-core) plus web/dist from `make install`.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect, sync_playwright

from sto_assistent.derived import welcome_buttons
from tests.conversation_log import stack_turns

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEB_DIR = Path(__file__).resolve().parents[2] / "web"
AXE_JS = WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"

LAUNCHER_NAME = "Open de chat met de STO-assistent"
COFINANCING_QUESTION = "Hoeveel procent cofinanciering moeten bedrijven bijdragen?"
QUICK_REPLIES = [button["title"] for button in welcome_buttons()]
BOT_TIMEOUT_MS = 20_000  # first reply of a freshly started model can be slow
SOCKET_IO_URL = re.compile(r"/socket\.io/")

pytestmark = pytest.mark.timeout(300)  # pytest-timeout; includes starting the stack


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def chromium_browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page plus everything it reported that a visitor should never cause."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        self.page.on("dialog", on_dialog)


def _watched(browser: Browser, **context_options) -> Watched:
    context = browser.new_context(locale="nl-NL", **context_options)
    context.set_default_timeout(15_000)
    return Watched(context)


@pytest.fixture()
def desktop(chromium_browser, stack):
    watched = _watched(chromium_browser, viewport={"width": 1280, "height": 900})
    yield watched
    watched.context.close()


@pytest.fixture()
def mobile(chromium_browser, stack):
    watched = _watched(
        chromium_browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield watched
    watched.context.close()


# ---------------------------------------------------------------- helpers


def launcher(page: Page):
    return page.get_by_role("button", name=LAUNCHER_NAME)


def panel(page: Page):
    return page.get_by_role("dialog", name="STO-assistent")


def chat_input(page: Page):
    return page.get_by_label("Uw vraag")


def bot_messages(page: Page):
    return page.locator(".sto-msg--bot")


def user_messages(page: Page):
    return page.locator(".sto-msg--user")


def launcher_has_focus(page: Page) -> bool:
    return page.evaluate(
        """() => {
            const host = document.getElementById('sto-widget');
            const inner = host && host.shadowRoot && host.shadowRoot.activeElement;
            return document.activeElement === host && !!inner && inner.classList.contains('sto-launcher');
        }"""
    )


def load(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    expect(launcher(page)).to_be_visible()


def open_by_keyboard(page: Page) -> None:
    """Tab from the top of the page to the launcher and press Enter."""
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if launcher_has_focus(page):
            break
    else:
        pytest.fail("the chat launcher is not reachable with the Tab key")
    page.keyboard.press("Enter")
    expect(panel(page)).to_be_visible()
    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)  # connected + session confirmed


def ask(page: Page, text: str) -> None:
    """Type a message, send it, and wait until at least one new bot message arrived."""
    before = bot_messages(page).count()
    chat_input(page).fill(text)
    chat_input(page).press("Enter")
    expect(user_messages(page).last).to_have_text(re.compile(re.escape(text)))
    expect(bot_messages(page).nth(before)).to_be_visible(timeout=BOT_TIMEOUT_MS)


def answered_with(stack, page: Page) -> list[str]:
    """The response/message keys of the last turn of this page's conversation, as stored."""
    deadline = time.monotonic() + 10
    while True:
        turns = stack_turns(stack, stored_session_id(page))
        if (turns and turns[-1].keys) or time.monotonic() > deadline:
            return turns[-1].keys if turns else []
        time.sleep(0.2)


def stored_session_id(page: Page) -> str:
    raw = page.evaluate("() => localStorage.getItem('sto-assistent:chat:v1')")
    return json.loads(raw)["sessionId"]


def run_axe(page: Page, label: str) -> None:
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: run `make install` (npm ci in web/)"
    # add_script_tag(path=...) inlines the file, which the page's CSP (script-src 'self')
    # rightly blocks. Serve axe from the page's own origin instead, so the CSP stays on.
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    axe_url = f"{origin}/__test__/axe.min.js"
    page.route(axe_url, lambda route: route.fulfill(path=str(AXE_JS), content_type="application/javascript"))
    page.add_script_tag(url=axe_url)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }"""
    )
    for violation in result:
        print(f"[axe {label}] {violation['impact']}: {violation['id']} - {violation['help']}")
        for node in violation["nodes"]:
            print(f"    {node['target']}: {node['summary']}")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe ({label}) found serious/critical violations: {[v['id'] for v in serious]}"


def proxy_socket(page: Page, on_client_frame: Callable[[WebSocketRoute, WebSocketRoute, str], bool] = None):
    """Route the widget's websocket through Playwright to the real server.

    Returns a list that collects [route, server] pairs, newest last. on_client_frame may
    return False to swallow a page->server frame.
    """
    connections: list = []

    def handler(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        connections.append((ws, server))

        def forward(message):
            if on_client_frame is None or on_client_frame(ws, server, message) is not False:
                server.send(message)

        ws.on_message(forward)

    page.route_web_socket(SOCKET_IO_URL, handler)
    return connections


# ---------------------------------------------------------------- tests


def test_page_loads_without_console_errors(desktop, stack):
    page = desktop.page
    for path in ("/", "/over-sto.html", "/privacy.html"):
        load(page, stack.web_url + path)
    launcher(page).click()
    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert desktop.errors == []


def test_open_by_keyboard_shows_welcome_and_escape_closes(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    open_by_keyboard(page)

    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(panel(page).get_by_role("heading", name="STO-assistent")).to_be_visible()
    welcome = bot_messages(page).first
    expect(welcome).to_contain_text("digitale assistent")
    expect(welcome).to_contain_text("geen mens")
    privacy_link = welcome.get_by_role("link", name="privacyverklaring")
    expect(privacy_link).to_have_attribute("href", re.compile(r"/privacy\.html$"))
    for title in QUICK_REPLIES:
        expect(welcome.get_by_role("button", name=title)).to_be_enabled()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    expect(chat_input(page)).to_be_focused()

    page.keyboard.press("Escape")
    expect(panel(page)).to_be_hidden()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    assert launcher_has_focus(page), "Escape must return focus to the launcher"


def test_cofinancing_question_is_answered_with_10_percent(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    ask(page, COFINANCING_QUESTION)
    expect(bot_messages(page).nth(1)).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)
    expect(page.locator(".sto-typing")).to_be_hidden()
    assert answered_with(stack, page) == ["utter_cofinancing_amount"]
    assert desktop.errors == []


def test_quick_reply_shows_title_and_gets_answer(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    bot_messages(page).first.get_by_role("button", name="Vormen van bijdragen").click()
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first).to_contain_text("Vormen van bijdragen")
    expect(user_messages(page).first).not_to_contain_text("/contribution_overview")
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=BOT_TIMEOUT_MS)
    assert answered_with(stack, page) == ["utter_contribution_overview"]
    # The welcome's quick replies are gone once the visitor has answered.
    expect(bot_messages(page).first.get_by_role("button", name="Cofinanciering")).to_have_count(0)


def test_history_survives_reload_and_navigation(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    ask(page, COFINANCING_QUESTION)
    expect(page.get_by_role("log")).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)
    session_id = stored_session_id(page)
    messages_before = page.locator(".sto-msg").count()

    page.reload(wait_until="load")
    expect(panel(page)).to_be_visible()  # open state remembered
    expect(page.locator(".sto-msg")).to_have_count(messages_before)
    expect(user_messages(page).first).to_have_text(re.compile(re.escape(COFINANCING_QUESTION)))
    expect(page.get_by_role("log")).to_contain_text("10%")

    page.get_by_role("link", name="Over STO").click()
    page.wait_for_url(re.compile(r"/over-sto\.html$"))
    expect(panel(page)).to_be_visible()
    expect(page.locator(".sto-msg")).to_have_count(messages_before)
    assert stored_session_id(page) == session_id

    # The same session continues on the new page.
    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)
    ask(page, "Welke vormen van bijdragen zijn er?")
    assert stored_session_id(page) == session_id


def start_conversation(page: Page, stack) -> str:
    """Open the widget on the demo page, ask the co-financing question; the session id."""
    load(page, stack.web_url)
    open_by_keyboard(page)
    ask(page, COFINANCING_QUESTION)
    return stored_session_id(page)


def test_new_conversation_clears_history(desktop, stack):
    page = desktop.page
    old_session = start_conversation(page, stack)

    panel(page).get_by_role("button", name=re.compile("Nieuw gesprek")).click()
    expect(user_messages(page)).to_have_count(0)
    expect(bot_messages(page)).to_have_count(1)  # only the welcome
    expect(bot_messages(page).first).to_contain_text("geen mens")
    new_session = stored_session_id(page)
    assert new_session != old_session
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", new_session)

    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)
    ask(page, COFINANCING_QUESTION)
    page.reload(wait_until="load")
    expect(user_messages(page)).to_have_count(1)


def _seed_storage(page: Page, **changes) -> dict:
    state = json.loads(page.evaluate("() => localStorage.getItem('sto-assistent:chat:v1')"))
    state.update(changes)
    page.evaluate("s => localStorage.setItem('sto-assistent:chat:v1', s)", json.dumps(state))
    return state


def test_history_expires_after_60_minutes_and_is_capped(desktop, stack):
    page = desktop.page
    old_session = start_conversation(page, stack)

    # 61 minutes without activity: a reload starts a new, closed conversation.
    _seed_storage(page, lastActivity=int(time.time() * 1000) - 61 * 60 * 1000)
    page.reload(wait_until="load")
    expect(panel(page)).to_be_hidden()
    assert stored_session_id(page) != old_session
    launcher(page).click()
    expect(user_messages(page)).to_have_count(0)

    # A long conversation keeps only the newest 200 messages.
    filler = [{"role": "user" if i % 2 else "bot", "text": f"bericht {i}", "quickReplies": []} for i in range(230)]
    _seed_storage(page, messages=filler, open=True)
    page.reload(wait_until="load")
    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)
    ask(page, COFINANCING_QUESTION)
    expect(bot_messages(page).last).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)
    stored = json.loads(page.evaluate("() => localStorage.getItem('sto-assistent:chat:v1')"))["messages"]
    added = [m for m in stored if not m["text"].startswith("bericht ")]
    assert len(added) >= 2, "the question and its answer were kept"
    assert len(stored) == 200
    assert stored[0]["text"] == f"bericht {len(filler) + len(added) - 200}", "the oldest were dropped"


def test_markup_in_user_message_is_shown_as_text(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    payload = "<b>vet</b><script>alert(1)</script>"
    ask(page, payload)
    expect(user_messages(page).last).to_contain_text(payload)
    page.wait_for_timeout(500)
    counts = page.evaluate(
        """() => {
            const root = document.getElementById('sto-widget').shadowRoot;
            return {b: root.querySelectorAll('.sto-log b').length,
                    script: root.querySelectorAll('.sto-log script').length,
                    pageB: document.querySelectorAll('b').length};
        }"""
    )
    assert counts == {"b": 0, "script": 0, "pageB": 0}
    assert desktop.dialogs == []


def test_bot_links_open_safely_and_bot_markup_stays_text(desktop, stack):
    """Injects crafted bot_uttered frames into the real connection."""
    page = desktop.page
    connections = proxy_socket(page)
    load(page, stack.web_url)
    open_by_keyboard(page)
    route, _server = connections[-1]
    route.send('42["bot_uttered",{"attachment":{"type":"image","payload":{"src":"https://example.org/x.png"}}}]')
    text = "Zie https://www.sterktechniekonderwijs.nl/faq. <img src=x onerror=alert(1)><b>niet vet</b>"
    route.send(
        "42"
        + json.dumps(
            [
                "bot_uttered",
                {
                    "text": text,
                    "quick_replies": [{"content_type": "text", "title": "Nog een vraag", "payload": "/greet"}],
                },
            ]
        )
    )
    message = bot_messages(page).nth(1)
    expect(message).to_contain_text("<img src=x onerror=alert(1)><b>niet vet</b>")
    link = message.get_by_role("link", name=re.compile("sterktechniekonderwijs"))
    expect(link).to_have_attribute("href", "https://www.sterktechniekonderwijs.nl/faq")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(message.get_by_role("button", name="Nog een vraag")).to_be_visible()
    expect(bot_messages(page)).to_have_count(2)  # the image attachment was ignored
    markup = page.evaluate(
        "() => document.getElementById('sto-widget').shadowRoot.querySelectorAll('.sto-log img, .sto-log b').length"
    )
    assert markup == 0
    assert desktop.dialogs == []
    # User text is never linkified.
    ask(page, "mijn site is https://example.org")
    expect(user_messages(page).last.get_by_role("link")).to_have_count(0)


def test_connection_drop_shows_notice_and_reconnects(desktop, stack):
    page = desktop.page
    session_requests: list[str] = []

    def watch(_route, _server, message):
        if isinstance(message, str) and '"session_request"' in message:
            session_requests.append(message)
        return True

    connections = proxy_socket(page, watch)
    load(page, stack.web_url)
    open_by_keyboard(page)
    assert len(session_requests) == 1

    route, _server = connections[-1]
    route.close(code=1001, reason="test")  # the page sees the connection drop
    expect(page.get_by_role("status").filter(has_text="Verbinding verbroken")).to_be_visible()
    expect(chat_input(page)).to_be_disabled()

    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)  # socket.io reconnected by itself
    expect(page.get_by_text("Verbinding verbroken")).to_be_hidden()
    assert len(session_requests) >= 2
    session_id = stored_session_id(page)
    assert all(session_id in frame for frame in session_requests)
    ask(page, COFINANCING_QUESTION)
    expect(page.get_by_role("log")).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)


def test_no_reply_shows_notice_after_15_seconds(desktop, stack):
    page = desktop.page
    proxy_socket(page, lambda _r, _s, message: '"user_uttered"' not in str(message))  # swallow questions
    load(page, stack.web_url)
    open_by_keyboard(page)
    chat_input(page).fill(COFINANCING_QUESTION)
    chat_input(page).press("Enter")
    expect(page.locator(".sto-typing")).to_be_visible()
    started = time.monotonic()
    notice = page.locator(".sto-msg--notice")
    expect(notice).to_contain_text("geen antwoord", timeout=25_000)
    assert time.monotonic() - started >= 13
    expect(page.locator(".sto-typing")).to_be_hidden()


def wait_until_ready(stack, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while requests.get(f"{stack.rasa_url}/webhooks/health/ready", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the Rasa server did not report ready again"
        time.sleep(0.5)


def test_a_message_the_server_could_not_store_is_offered_again(desktop, stack):
    """A real outage of the stack's SQLite database: another process holds an exclusive lock."""
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    lock = sqlite3.connect(stack.extra["db_file"], timeout=10, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        chat_input(page).fill(COFINANCING_QUESTION)
        chat_input(page).press("Enter")
        notice = page.locator(".sto-msg--notice")
        expect(notice).to_contain_text("niet verwerkt", timeout=10_000)
        expect(page.locator(".sto-typing")).to_be_hidden()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    wait_until_ready(stack)
    notice.get_by_role("button", name="Opnieuw versturen").click()
    expect(bot_messages(page).last).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)
    expect(user_messages(page)).to_have_count(2)
    assert all(COFINANCING_QUESTION in text for text in user_messages(page).all_inner_texts()), "resent as typed"
    stored = stack_turns(stack, stored_session_id(page))
    assert [t.user_text for t in stored] == [COFINANCING_QUESTION], "stored once: the resent message"


def test_axe_desktop_with_widget_open(desktop, stack):
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    ask(page, COFINANCING_QUESTION)
    run_axe(page, "desktop")


def test_mobile_360_open_ask_and_axe(mobile, stack):
    page = mobile.page
    load(page, stack.web_url)
    launcher(page).tap()
    expect(panel(page)).to_be_visible()
    box = panel(page).bounding_box()
    assert box and box["x"] <= 0.5 and abs(box["width"] - 360) <= 1, f"panel is not full width: {box}"
    expect(chat_input(page)).to_be_enabled(timeout=BOT_TIMEOUT_MS)
    ask(page, COFINANCING_QUESTION)
    expect(page.get_by_role("log")).to_contain_text("10%", timeout=BOT_TIMEOUT_MS)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, "horizontal scrolling at 360 px"
    page.get_by_role("button", name="Chat sluiten").tap()
    expect(launcher(page)).to_be_visible()
    launcher(page).tap()
    expect(panel(page)).to_be_visible()
    assert mobile.errors == []  # checked before axe, whose own probes trip the page's CSP
    run_axe(page, "mobile 360")


def test_every_region_is_found_in_the_widget(desktop, stack):
    """Issue 3's acceptance check in the browser: each region, by one of its places."""
    from tests.region_samples import place_per_region

    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    missed = []
    for region_id, name, place in place_per_region():
        before = bot_messages(page).count()
        ask(page, f"Ons bedrijf zit in {place}")
        # The region may come with a second message (after a topic answer): wait for it.
        deadline = time.monotonic() + 15
        while True:
            shown = " ".join(bot_messages(page).all_inner_texts()[before:])
            if f"STO-regio {name.rstrip('.')}" in shown or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        remembered = stack_turns(stack, stored_session_id(page))[-1].slots.get("region_id")
        if f"STO-regio {name.rstrip('.')}" not in shown or remembered != region_id:
            missed.append((place, name))
    assert not missed, missed
    assert not desktop.errors, desktop.errors


def click_reply(page: Page, title: str) -> None:
    """Click a quick reply of the last bot message; wait for the answer to it."""
    before = bot_messages(page).count()
    bot_messages(page).last.get_by_role("button", name=title).click()
    expect(bot_messages(page).nth(before)).to_be_visible(timeout=BOT_TIMEOUT_MS)


def outbox_mail_with(outbox: Path, text: str, timeout: float = 30.0) -> str:
    """The .eml file in the console's outbox that contains `text` (the console delivers it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
            message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
            body = f"{message['Subject']}\n{message.get_body(preferencelist=('plain',)).get_content()}"
            if text in body:
                return body
        time.sleep(0.5)
    pytest.fail(f"no mail with {text!r} in {outbox} within {timeout:.0f} s")


def test_contact_request_from_a_region_without_page_reaches_the_outbox(desktop, stack, region_index):
    if not stack.extra.get("console"):
        pytest.skip("the console (which delivers contact requests) is not installed")
    region, place = next(
        (region, place)
        for region in region_index.data.regions
        if region.contact == "national"
        for place in region.places
        if [r.id for r in region_index.find(place).regions] == [region.id] and " " not in place
    )
    company = f"Testbedrijf {time.monotonic_ns()}"
    page = desktop.page
    load(page, stack.web_url)
    open_by_keyboard(page)
    ask(page, f"Wij zijn een machinebouwer in {place}. Wie kan ons helpen?")
    expect(bot_messages(page).last).to_contain_text(region.name.rstrip("."))
    click_reply(page, "Ja, contactverzoek doen")
    expect(bot_messages(page).last).to_contain_text("naam")
    for answer in ("Sanne Visser", company, "sanne@visser-machinebouw.nl", "0570 612345"):
        ask(page, answer)
    ask(page, "Wij willen een gastles geven op een vmbo-school.")
    expect(page.get_by_role("log")).to_contain_text("sanne@visser-machinebouw.nl")  # the summary
    click_reply(page, "Ja, versturen")
    expect(bot_messages(page).last).to_contain_text("verstuurd")
    mail = outbox_mail_with(stack.extra["outbox"], company)
    assert "gastles" in mail and region.name.rstrip(".") in mail
    assert desktop.errors == []
