"""`make run` starts the support console next to the assistant, on the same database.

The whole flow of a first day: an account made without a browser (`make console-user`), log
in, and the conversation just held with the assistant is in the list within 10 seconds. The
console's own behaviour is tested in console/tests (make console-test).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
import uuid

import pytest
import requests

from sto_assistent.services import CONSOLE_PYTHON, local_url
from sto_assistent.settings import PROJECT_DIR

pytestmark = pytest.mark.skipif(
    not CONSOLE_PYTHON.exists() and not os.environ.get("CI"), reason="console not installed (make console-install)"
)
PASSWORD = "een-lang-testwachtwoord-" + uuid.uuid4().hex[:8]


def console_url(stack) -> str:
    return local_url(stack.env["CONSOLE_PORT"]).rstrip("/")


def test_the_console_runs_with_the_stack_and_only_shows_the_login_page(stack):
    assert stack.extra["console"], "make run starts the console"
    url = console_url(stack)
    assert requests.get(f"{url}/login/", timeout=10).status_code == 200
    response = requests.get(f"{url}/", timeout=10, allow_redirects=False)
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def make_account(stack, name: str) -> None:
    env = {**stack.env, "CONSOLE_PASSWORD": PASSWORD}
    made = subprocess.run(
        ["make", "--no-print-directory", "console-user", f"NAME={name}", "ROLE=reviewer"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr


def logged_in(stack, name: str) -> requests.Session:
    url = console_url(stack)
    session = requests.Session()
    session.get(f"{url}/login/", timeout=10)
    token = next(value for key, value in session.cookies.items() if "csrf" in key)
    login = session.post(
        f"{url}/login/",
        data={"username": name, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302, login.text[:300]
    return session


def test_a_conversation_held_now_is_listed_for_a_new_account(stack):
    make_account(stack, "reviewer1")
    sender = uuid.uuid4().hex
    stack.say("Wij maken fietsframes, hoeveel cofinanciering moeten we bijdragen?", sender)
    said = time.monotonic()

    url = console_url(stack)
    session = logged_in(stack, "reviewer1")
    link = None
    while link is None and time.monotonic() - said < 10:
        page = session.get(f"{url}/", params={"q": "fietsframes"}, timeout=10).text
        link = re.search(r'href="(/gesprekken/\d+/)"', page)
        if link is None:
            time.sleep(0.5)
    assert link, "the conversation is not in the console within 10 s"
    assert sender in session.get(url + link.group(1), timeout=10).text


def test_a_contact_request_made_in_the_chat_is_mailed_and_listed(stack, region_index):
    """make run's whole path: the form in the chat, the console's intake, the outbox, the page."""
    region = next(r for r in region_index.data.regions if r.contact == "national")
    place = next(p for p in region.places if [x.id for x in region_index.find(p).regions] == [region.id])
    company = f"Fietsframes {uuid.uuid4().hex[:8]} BV"
    sender = uuid.uuid4().hex
    for text in (f"wij zitten in {place}", "/affirm", "Petra Jansen", company, "petra@fietsframes.nl", "geen"):
        stack.say(text, sender)
    stack.say("Wij willen graag een bedrijfsbezoek voor vmbo-klassen organiseren.", sender)
    stack.say("/affirm", sender)
    sent = time.monotonic()

    outbox = stack.extra["outbox"]
    mail = None
    while mail is None and time.monotonic() - sent < 20:
        mail = next((m for m in outbox.glob("*.eml") if company in m.read_text(errors="replace")), None)
        if mail is None:
            time.sleep(0.5)
    assert mail is not None, "no mail in the outbox within 20 s"
    make_account(stack, "reviewer2")
    session = logged_in(stack, "reviewer2")
    url = console_url(stack)
    listed = session.get(f"{url}/contactverzoeken/", params={"regio": region.id}, timeout=10)
    assert listed.status_code == 200
    links = re.findall(r'href="(/contactverzoeken/\d+/)"', listed.text)
    details = [session.get(url + link, timeout=10).text for link in links]
    detail = next((d for d in details if company in d), None)
    assert detail is not None, "the request is not on the Contactverzoeken page"
    assert "Doorgestuurd" in detail and region.name in detail and "/gesprekken/" in detail


def test_a_refused_contact_request_is_stored_nowhere(stack):
    """No consent: no request in the console's table, no mail, no event to make one from."""
    sender = uuid.uuid4().hex
    company = f"Weigeraar {uuid.uuid4().hex[:8]}"
    answers = ("kan iemand mij terugbellen?", "/affirm", "Zwolle", "Kees de Boer", company, "kees@weigeraar.nl", "geen")
    for text in answers:
        stack.say(text, sender)
    stack.say("Ik heb een vraag over stages.", sender)
    stack.say("/deny", sender)
    time.sleep(8)  # longer than one ingest poll (2 s) plus one delivery round (5 s)
    console_db = stack.env["CONSOLE_DB_FILE"]
    with sqlite3.connect(console_db) as db:
        stored = db.execute("SELECT COUNT(*) FROM contacts_contactrequest WHERE sender_id = ?", (sender,)).fetchone()
        total = db.execute("SELECT COUNT(*) FROM conversations_turn").fetchone()
    assert stored == (0,) and total[0] > 0, "the console ingested the conversation but stored no request"
    assert not any(company in m.read_text(errors="replace") for m in stack.extra["outbox"].glob("*.eml"))
