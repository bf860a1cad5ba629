"""The singer-sdk standard target tests, against a demo sandbox of their own.

The standard streams (`test_camelcase`, `users`, …) match no record contract of this target, so
their records go to the reject file; what these tests check is that the target reads every kind
of Singer input without failing.
"""

from __future__ import annotations

import atexit
import tempfile
from pathlib import Path

import pytest
from singer_sdk.testing import get_target_test_class

from instagram_sandbox.server import SandboxServer
from instagram_sandbox.testing import demo_for
from target_instagram.target import TargetInstagram

_SERVER = SandboxServer("demo", 7, frozen=True).start()
atexit.register(_SERVER.stop)
_DEMO = demo_for(_SERVER)
_DIR = Path(tempfile.mkdtemp(prefix="target-instagram-sdk-"))

CONFIG = {
    "access_token": _DEMO.fb_token,
    "api_url": _DEMO.base,
    "account_id": _DEMO.acme,
    "ledger_path": str(_DIR / "ledger.sqlite"),
}

_StandardTests = get_target_test_class(TargetInstagram, config=CONFIG)


class TestTargetInstagram(_StandardTests):  # type: ignore[misc,valid-type]
    """The standard suite, minus the one test whose expectation this target deliberately differs on."""

    @pytest.mark.skip(
        reason="a record without its key (op_id) goes to the reject file with the reason and the "
        "run continues, instead of failing the run: see test_validation.py"
    )
    def test_target_record_missing_key_property(self) -> None:
        """Skipped: see the reason."""
