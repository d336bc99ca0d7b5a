"""`make run`'s launcher stops every service it started, whichever way it is stopped."""
from __future__ import annotations

import signal

import pytest

from tests import servers


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "terminal-closed"])
def test_launcher_leaves_nothing_running(tmp_path, stop_signal):
    # SIGTERM is covered by the session-wide stack fixture's teardown.
    stack = servers.start_stack(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "stack.log")
    assert stack.say("hallo")
    servers.stop_stack(stack, stop_signal)  # asserts that all three ports are closed
