"""The list's filters and search, on the database under test (SQLite or PostgreSQL)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from conversations import ingest
from conversations.models import Conversation, ReviewStatus
from conversations.queries import ConversationFilter, conversation_list
from review.models import ConversationTag, Tag
from tests.conftest import only_postgres

DAY = 86400


def senders(params: str) -> set[str]:
    filters = ConversationFilter.from_params(QueryDict(params))
    return set(conversation_list(filters).values_list("sender_id", flat=True))


@pytest.fixture
def corpus(tracker, db):
    now = time.time()
    t = tracker
    made = {
        "sto": t.conversation("Wat is Sterk Techniekonderwijs?", "what_is_sto", 0.95, now - 1 * DAY, sender="sto"),
        "cofi": t.conversation(
            "Hoeveel cofinanciering moeten bedrijven bijdragen?",
            "cofinancing_amount",
            0.9,
            now - 2 * DAY,
            region="haaglanden",
            sender="cofi",
            extra_messages=3,
        ),
        "low": t.conversation(
            "ik wil iets met machines doen", "contribution_in_kind", 0.31, now - 3 * DAY, sender="low"
        ),
        "old": t.conversation(
            "Kunnen wij stageplaatsen aanbieden?",
            "contribution_internships",
            0.88,
            now - 40 * DAY,
            region="zuid-limburg",
            sender="old",
            extra_messages=1,
        ),
        "human": t.conversation("Kan ik een medewerker spreken?", "human_handoff", 0.99, now - 5 * DAY, sender="human"),
    }
    t.insert([t.action_event("low", "action_default_fallback", now - 3 * DAY + 1)])
    ingest.run_once(t.source)
    return made


def test_newest_first(corpus):
    order = list(conversation_list(ConversationFilter()).values_list("sender_id", flat=True))
    assert order == ["sto", "cofi", "low", "human", "old"]


def test_filter_intent(corpus):
    assert senders("intent=cofinancing_amount") == {"cofi"}
    assert senders("intent=greet") == {"cofi", "old"}  # the follow-up messages


def test_filter_region(corpus):
    assert senders("regio=zuid-limburg") == {"old"}


def test_filter_signals(corpus):
    assert senders("signaal=fallback") == {"low"}
    assert senders("signaal=laag") == {"low"}
    assert senders("signaal=persoon") == {"human"}
    assert senders("signaal=persoon&signaal=fallback") == set()
    assert senders("signaal=onzin") == set(corpus)  # unknown values are ignored


def test_filter_minimum_length(corpus):
    assert senders("min=3") == {"cofi"}
    assert senders("min=2") == {"cofi", "old"}
    assert senders("min=abc") == set(corpus)


def test_filter_date_range(corpus):
    today = timezone.localdate()
    since = (today - timedelta(days=4)).isoformat()
    assert senders(f"van={since}") == {"sto", "cofi", "low"}
    until = (today - timedelta(days=30)).isoformat()
    assert senders(f"tot={until}") == {"old"}
    assert senders("van=geen-datum") == set(corpus)


def test_filter_tag_and_status(corpus):
    tag = Tag.objects.create(name="NLU-probleem")
    ConversationTag.objects.create(conversation=Conversation.objects.get(sender_id="low"), tag=tag)
    Conversation.objects.filter(sender_id="human").update(review_status=ReviewStatus.LATER)
    assert senders("label=NLU-probleem") == {"low"}
    assert senders("status=later") == {"human"}
    assert senders("status=nieuw") == set(corpus) - {"human"}


def test_search_words_in_user_messages(corpus):
    assert senders("q=cofinanciering") == {"cofi"}
    assert senders("q=medewerker spreken") == {"human"}
    assert senders("q=Stageplaatsen") == {"old"}
    assert senders("q=helikopter") == set()
    # the bot's answers are not searched
    assert senders("q=Antwoord") == set()


@only_postgres
def test_search_uses_dutch_stemming_on_postgres(corpus):
    # 'bijdrage' and 'bijdragen' share the Dutch stem
    assert senders("q=bijdrage") == {"cofi"}
    assert senders("q=medewerkers") == {"human"}


def test_filters_combine(corpus):
    assert senders("q=cofinanciering&regio=haaglanden&min=2") == {"cofi"}
    assert senders("q=cofinanciering&regio=zuid-limburg") == set()
