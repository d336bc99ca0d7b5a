"""The test stories (tests/stories/): the policies predict every bot action of every story.

What `rasa test core --fail-on-prediction-errors` does, with the model this session already
loaded. The user lines' intents are checked separately (test_story_nlu.py), because this
evaluation takes them from the story.
"""

from __future__ import annotations

from sto_assistent.settings import PROJECT_DIR
from tests.async_run import run_in_fresh_thread

STORIES_DIR = PROJECT_DIR / "tests" / "stories"


def test_every_story_action_is_predicted(agent, tmp_path):
    from rasa.core.test import test as evaluate_stories

    summary = run_in_fresh_thread(
        evaluate_stories(
            str(STORIES_DIR),
            agent,
            out_directory=str(tmp_path),
            fail_on_prediction_errors=True,
            disable_plotting=True,
        )
    )
    assert summary["accuracy"] == 1.0
    report = summary["report"]
    predicted_actions = report["weighted avg"]["support"] if isinstance(report, dict) else 0
    assert predicted_actions >= 80, "the stories exercise at least 80 bot actions"
