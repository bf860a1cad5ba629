"""The singer-sdk standard tap tests, against a demo sandbox of their own."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import demo_for
from instagram_webhooks.receiver import Receiver
from instagram_webhooks.serving import running
from instagram_webhooks.store import SqliteStore
from tap_instagram.tap import TapInstagram

_SERVER = SandboxServer("demo", 7, frozen=True).start()
atexit.register(_SERVER.stop)
_DEMO = demo_for(_SERVER)
_FILES = tempfile.mkdtemp(prefix="tap-instagram-files-")
atexit.register(shutil.rmtree, _FILES, True)

# A webhook receiver the sandbox delivers to, so the webhook streams have records too.
_HOOKS = contextlib.ExitStack()
atexit.register(_HOOKS.close)
_STORE = SqliteStore(Path(_FILES) / "events.sqlite")
_URL = _HOOKS.enter_context(
    running(Receiver(_STORE, str(_DEMO.apps["facebook"]["app_secret"]), "v"))
)
_DEMO.ok(_DEMO.post(f"/{_DEMO.acme}/subscribed_apps", subscribed_fields="mentions,story_insights"))
_DEMO.control.webhooks("POST", "", {"callback_url": _URL, "verify_token": "v"})
_DEMO.control.mention(_DEMO.acme)
_DEMO.control.webhooks("POST", "/flush")

CONFIG = {
    "access_token": _DEMO.fb_token,
    "api_url": _DEMO.base,
    "ig_user_ids": [_DEMO.acme],
    "start_date": datetime.fromtimestamp(_DEMO.control.now() - 30 * 86400, UTC).isoformat(),
    "hashtags": ["coffee"],
    "business_discovery_usernames": ["bluebottle"],
    "initial_retry_interval_millis": 1,
    "maximum_retries_interval_millis": 5,
    "media_files_url": _FILES,
    "webhook_store": str(_STORE.path),
}

TestTapInstagram = get_tap_test_class(
    TapInstagram,
    config=CONFIG,
    suite_config=SuiteConfig(ignore_no_records_for_streams=["stories", "story_insights"]),
)
