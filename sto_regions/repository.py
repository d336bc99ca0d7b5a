"""Keep the current RegionIndex fresh without a redeploy.

- From a file: the file's mtime is checked on every access (a cheap stat); a changed file is
  reloaded. A broken edit is logged and the last good copy stays in use.
- From a URL (REGIONS_URL): fetched with requests, with a timeout, at most every
  `refresh_seconds`; a failure or invalid payload keeps the last good copy (logged warning).
  The local file is the first good copy, so the bot answers even if the URL never works.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import requests

from sto_regions.lookup import RegionIndex
from sto_regions.schema import RegionDataError, load_region_file, parse_region_data

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_REFRESH_SECONDS = 300.0
MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024


class RegionRepository:
    def __init__(
        self,
        path: Path,
        url: str | None = None,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.url = url or None
        self.refresh_seconds = refresh_seconds
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        self._index: RegionIndex | None = None
        self._file_mtime: float | None = None
        self._last_fetch: float = 0.0

    def current(self) -> RegionIndex:
        """The freshest valid index. Raises RegionDataError only if no good copy ever loaded."""
        with self._lock:
            if self.url:
                self._refresh_from_url()
            if self._index is None or not self.url:
                self._refresh_from_file()
            assert self._index is not None
            return self._index

    def _refresh_from_file(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except OSError as error:
            if self._index is None:
                raise RegionDataError(str(self.path), "(file)", "(file)", f"missing: {error}") from error
            logger.warning("Region file %s unreadable (%s); keeping last good copy", self.path, error)
            return
        if self._index is not None and mtime == self._file_mtime:
            return
        try:
            index = RegionIndex(load_region_file(self.path))
        except RegionDataError as error:
            if self._index is None:
                raise
            logger.error("Region file changed but is invalid; keeping last good copy. %s", error)
            self._file_mtime = mtime  # do not re-parse the same broken file on every message
            return
        self._index, self._file_mtime = index, mtime
        logger.info("Loaded %d regions from %s", len(index.data.regions), self.path)

    def _refresh_from_url(self) -> None:
        url = self.url
        if url is None:
            return
        now = time.monotonic()
        if self._index is not None and now - self._last_fetch < self.refresh_seconds:
            return
        self._last_fetch = now
        try:
            response = requests.get(url, timeout=self.timeout_seconds)
            response.raise_for_status()
            if len(response.content) > MAX_DOWNLOAD_BYTES:
                raise RegionDataError(url, "(file)", "(size)", "is larger than 5 MB")
            index = RegionIndex(parse_region_data(response.content.decode("utf-8"), url))
        except (requests.RequestException, RegionDataError, UnicodeDecodeError) as error:
            logger.warning(
                "Could not load regions from REGIONS_URL %s (%s); using the last good copy",
                self.url,
                error,
            )
            return
        self._index = index
        logger.info("Loaded %d regions from %s", len(index.data.regions), self.url)
