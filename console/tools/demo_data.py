"""Drive the REAL running assistant over REST with varied Dutch conversations (make demo-data).

    python tools/demo_data.py [--count 300] [--url http://localhost:$RASA_PORT] [--workers 4]

Each conversation is built from templates: an opening, one to four questions from the topics
a company asks about (STO, co-financing, contribution forms, regions with real place names,
handoff, small talk, typos and gibberish), sometimes a quick-reply button payload, and a close.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed

import requests
from dotenv import dotenv_values

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OPENINGS = ["Hallo", "Goedemiddag", "Goedemorgen", "Hoi", "Dag", "Hallo, ik heb een vraag", None, None]
TOPICS = {
    "sto": [
        "Wat is STO?",
        "Wat is Sterk Techniekonderwijs precies?",
        "Kunt u uitleggen wat STO inhoudt?",
        "waarvoor is sterk techniekonderwijs bedoeld",
        "Wie doen er mee aan STO?",
    ],
    "cofinancing": [
        "Hoeveel moeten bedrijven bijdragen?",
        "Hoe hoog is de cofinanciering?",
        "Moet mijn bedrijf geld meebetalen?",
        "hoeveel procent cofinanciering is nodig",
        "Wat is de verplichte bijdrage van het bedrijfsleven?",
    ],
    "forms": [
        "Kunnen we ook in natura bijdragen?",
        "Telt het beschikbaar stellen van machines mee?",
        "Kunnen wij stageplaatsen aanbieden als bijdrage?",
        "Mag de bijdrage ook in uren?",
        "Welke vormen van bijdrage zijn er?",
    ],
    "benefits": ["Wat levert het mijn bedrijf op?", "Waarom zou ik meedoen?", "Wat is het voordeel voor ons?"],
    "region": [
        "In welke regio valt mijn bedrijf?",
        "Welke STO-regio hoort bij ons?",
        "Ik wil weten bij welke regio ik hoor",
        "Met wie neem ik contact op in mijn regio?",
    ],
    "handoff": [
        "Kan ik een medewerker spreken?",
        "Ik wil graag iemand aan de telefoon",
        "Verbind me door met een mens",
        "Kan iemand mij terugbellen?",
    ],
    "smalltalk": [
        "Hoe gaat het met je?",
        "Ben jij een robot?",
        "Wat is het weer morgen?",
        "Ik zoek een baan als monteur",
        "Kan ik subsidie krijgen voor zonnepanelen?",
        "Do you speak English?",
    ],
    "noise": ["asdfgh", "blablabla", "???", "hmm", "kweenie", "ik snap het niet", "hallo??"],
    "typos": [
        "hoeveel kofinanciering",
        "wat is sto eigenlijk",
        "regio voor bedrijf in drachtn",
        "bijdrage in natuura?",
        "wie is mijn contactpersoon",
    ],
}
PLACES = [
    "Heerenveen",
    "Drachten",
    "Dokkum",
    "Den Bosch",
    "'s-Hertogenbosch",
    "Utrecht",
    "Zwolle",
    "Groningen",
    "Leeuwarden",
    "Sneek",
    "Eindhoven",
    "Tilburg",
    "Rotterdam",
    "Den Haag",
    "Amersfoort",
    "Nijmegen",
    "Maastricht",
    "Almere",
    "Enschede",
    "Harlingen",
    "Gouda",
    "Westland",
    "Capelle",
    "Alphen",
    "Sittard",
    "Ergens",
    "Atlantis",
]
PLACE_TEMPLATES = [
    "{p}",
    "Wij zitten in {p}",
    "Mijn bedrijf is gevestigd in {p}",
    "in {p}",
    "Welke regio hoort bij {p}?",
    "Ons bedrijf zit in {p}, welke regio is dat?",
]
CLOSINGS = ["Dank u wel", "Bedankt!", "Top, bedankt", "Dat was alles", "Doei", None, None, None]
TOPIC_WEIGHTS = {
    "sto": 3,
    "cofinancing": 4,
    "forms": 3,
    "benefits": 2,
    "region": 4,
    "handoff": 1,
    "smalltalk": 2,
    "noise": 1,
    "typos": 2,
}


def build_script(rng: random.Random) -> list[str]:
    script = []
    if opening := rng.choice(OPENINGS):
        script.append(opening)
    topics = rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()), k=rng.randint(1, 4))
    for topic in topics:
        script.append(rng.choice(TOPICS[topic]))
        if topic == "region" or (topic == "typos" and rng.random() < 0.3):
            script.append(rng.choice(PLACE_TEMPLATES).format(p=rng.choice(PLACES)))
    if rng.random() < 0.2:
        script.append(rng.choice(PLACE_TEMPLATES).format(p=rng.choice(PLACES)))
    if closing := rng.choice(CLOSINGS):
        script.append(closing)
    return script


def talk(url: str, script: list[str], rng: random.Random) -> int:
    sender = uuid.uuid4().hex
    turns = 0
    for text in script:
        response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=90)
        response.raise_for_status()
        turns += 1
        # Sometimes the user clicks a quick-reply button instead of typing the next line.
        buttons = [b for m in response.json() for b in (m.get("buttons") or [])]
        if buttons and rng.random() < 0.25:
            payload = rng.choice(buttons)["payload"]
            requests.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": payload}, timeout=90
            ).raise_for_status()
            turns += 1
    return turns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("DEMO_CONVERSATIONS", "300")))
    env = {**dotenv_values(os.path.join(PROJECT_DIR, ".env")), **os.environ}
    parser.add_argument("--url", default=f"http://localhost:{env.get('RASA_PORT') or '5005'}")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    try:
        requests.get(f"{args.url}/", timeout=5).raise_for_status()
    except requests.RequestException as error:
        print(f"The assistant is not reachable at {args.url} ({error}). Start it first: make run", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    scripts = [(build_script(rng), random.Random(rng.random())) for _ in range(args.count)]
    started, done, messages = time.monotonic(), 0, 0
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(talk, args.url, script, own_rng) for script, own_rng in scripts]
        for future in as_completed(futures):
            messages += future.result()
            done += 1
            if done % 50 == 0:
                print(f"{done}/{args.count} conversations", flush=True)
    print(f"{done} conversations, {messages} messages in {time.monotonic() - started:.0f} s via {args.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
