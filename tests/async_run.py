"""Run a coroutine to completion from synchronous test code."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run_in_fresh_thread(coroutine):
    """asyncio.run in its own thread: Playwright's sync API may hold an event loop in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
