"""The outbox: without SMTP_HOST every contact mail is written to CONTACT_OUTBOX_DIR as one
`.eml` file per request (written to a temporary file, then renamed: never half a file), readable
by the owner only. Files are only ever opened by a name of our own form inside that directory."""

from __future__ import annotations

import os
import re
import tempfile
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from django.conf import settings

FILE_RE = re.compile(r"contactverzoek-[0-9a-f]{32}\.eml")


def directory() -> Path:
    return Path(settings.CONTACT_OUTBOX_DIR)


def file_name(request_id: str) -> str:
    return f"contactverzoek-{request_id}.eml"


def write(message: EmailMessage, request_id: str) -> str:
    """Writes (or, for a resend, replaces) the request's file; returns its name."""
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = file_name(request_id)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eml")  # mode 600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes(policy=policy.default))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def path_of(name: str) -> Path | None:
    """The file's path if `name` is one of ours and lies inside the outbox, else None."""
    if not name or not FILE_RE.fullmatch(name):
        return None
    folder = directory().resolve()
    path = (folder / name).resolve()
    return path if path.parent == folder else None


def read(name: str) -> EmailMessage | None:
    path = path_of(name)
    if path is None or not path.is_file():
        return None
    with open(path, "rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


def remove(name: str) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)
