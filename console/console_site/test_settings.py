"""Settings for the console's tests: the real settings with a test database chosen by
CONSOLE_TEST_DB=sqlite (default) or postgres."""

import atexit
import os
import shutil
import tempfile

os.environ["CONSOLE_PLAIN_STATIC"] = "1"
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# beside it are still synchronous and single-threaded.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
_tmp = os.path.join(tempfile.gettempdir(), f"sto-console-tests-{os.getpid()}")
os.makedirs(_tmp, exist_ok=True)
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
# Never mail anyone from a test, whatever .env says: the contact tests start their own SMTP
# server and set these per test.
os.environ["SMTP_HOST"] = ""
os.environ["CONTACT_REQUESTS_TO"] = ""
os.environ["CONSOLE_PUBLIC_URL"] = "http://127.0.0.1:8090"
os.environ["CONTACT_OUTBOX_DIR"] = os.path.join(_tmp, "outbox")
# The recorded conversations and the tests' made-up turns carry confidences written for a
# threshold of 0.5 (tests/test_env.py checks the default, which is the assistant's own).
os.environ["CONSOLE_CONFIDENCE_THRESHOLD"] = "0.5"
os.environ.setdefault("CONSOLE_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
if os.environ.get("CONSOLE_TEST_DB", "sqlite") == "postgres":
    os.environ["CONSOLE_DATABASE_URL"] = os.environ.get(
        "CONSOLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/console_test"
    )
    os.environ["TRACKER_STORE_URL"] = os.environ["CONSOLE_DATABASE_URL"]
else:
    os.environ["CONSOLE_DATABASE_URL"] = f"sqlite:///{_tmp}/console.db"
    os.environ["TRACKER_STORE_URL"] = f"sqlite:///{_tmp}/conversations.db"

from console_site.settings import *  # noqa: E402,F401,F403
from console_site.settings import DATABASES  # noqa: E402

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the browser tests' live server thread must see the same data.
    DATABASES["default"]["TEST"] = {"NAME": f"{_tmp}/test-console.db"}
