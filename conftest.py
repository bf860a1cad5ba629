"""Suite-wide token-leak guard, and the real servers several packages' tests share.

No token, code or app secret the sandbox issued may appear in any log record, exception text or
captured output of the whole test run. A leak fails the session. `s3_options` is an S3-compatible
server (moto's, over real HTTP); `receiver` a webhook receiver that can fail on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from instagram_graph import errors as graph_errors
from instagram_graph.auth import GraphAuthenticator
from instagram_sandbox.testing import LeakWatch

WATCH = LeakWatch().start()
TEXTS: list[str] = []


class _Capture(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            TEXTS.append(self.format(record))
        except Exception:  # a record that cannot be formatted cannot leak either
            TEXTS.append(str(record.msg))


def _record_text(cls: type[BaseException]) -> None:
    original = cls.__init__

    def init(self: BaseException, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)  # type: ignore[misc]
        TEXTS.append(str(self))

    cls.__init__ = init  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    handler = _Capture(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    logging.getLogger("instagram_graph").setLevel(logging.DEBUG)
    _record_text(graph_errors.GraphError)
    _record_text(graph_errors.SettingsError)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.longrepr is not None:
        TEXTS.append(report.longreprtext)
    TEXTS.extend(content for _, content in report.sections)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = WATCH.scan(TEXTS)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"token-leak guard: scanned {len(TEXTS)} log records, exception texts and outputs "
            f"for {len(WATCH.secrets)} sandbox-issued secrets: {len(leaks)} leak(s)"
        )
        for leak in leaks[:20]:
            reporter.write_line(f"  LEAK {leak}", red=True)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _one_authenticator_per_test() -> None:
    """A tap or target run is one process with one shared authenticator: so is each test."""
    GraphAuthenticator._shared.clear()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The moto standalone S3 server on a free loopback port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_options(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The fsspec options reaching the S3 server; its test credentials are in the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return {"client_kwargs": {"endpoint_url": s3_endpoint}}


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A webhook receiver on loopback (`failures` answers 503 first)."""
    from instagram_notify.testing import Receiver

    made = Receiver()
    yield made
    made.close()
