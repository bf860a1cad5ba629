"""`GraphClient`: one HTTP session wired to the authenticator, error table, retries, pacing and paging.

It holds no tables: error meanings live in `error_codes`, retry decisions in `retry`, waits in
`pacing`, paging rules in `paging`, batch encoding in `batch`; batch requests are `batching`,
reading pages is `page_calls`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import urlsplit

import backoff
import requests
import requests.adapters
import urllib3

from instagram_graph import errors, retry, sizing
from instagram_graph.auth import GraphAuthenticator, ServerClock
from instagram_graph.batching import BatchCalls
from instagram_graph.bodies import read_within
from instagram_graph.error_codes import read_answer
from instagram_graph.errors import AuthError, GraphError
from instagram_graph.pacing import Pacer, regain
from instagram_graph.page_calls import PageCalls, label_path
from instagram_graph.paging import account_of
from instagram_graph.redaction import get_logger, redact
from instagram_graph.settings import GraphSettings
from instagram_graph.slots import RequestSlots

log = get_logger(__name__)


class GraphClient(BatchCalls, PageCalls):
    """Calls the Graph API for one configuration; safe to share between threads."""

    def __init__(
        self,
        settings: GraphSettings,
        *,
        authenticator: GraphAuthenticator | None = None,
        session: requests.Session | None = None,
        pacer: Pacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Use the process-wide authenticator for these settings unless one is given."""
        self.settings = settings
        self.auth = authenticator or GraphAuthenticator.shared(settings)
        self.clock: ServerClock = self.auth.clock
        self.session = session or _session(settings.max_concurrent_requests)
        self.session.headers["User-Agent"] = settings.user_agent
        if settings.proxy:
            self.session.proxies = {"http": settings.proxy, "https": settings.proxy}
        self.pacer = pacer or Pacer(
            threshold=settings.throttle_threshold,
            rate_per_second=settings.throttle_rate_per_second,
            max_wait_seconds=settings.throttle_wait_in_millis / 1000,
            budget_seconds=settings.max_throttle_wait_seconds,
        )
        self.policy = retry.RetryPolicy.from_millis(
            settings.maximum_retries,
            settings.initial_retry_interval_millis,
            settings.maximum_retries_interval_millis,
        )
        self.timeout = (
            settings.connect_timeout_millis / 1000,
            settings.response_timeout_millis / 1000,
        )
        self._graph_netloc = urlsplit(settings.endpoints.graph).netloc
        self.monotonic = monotonic  # bounds the whole answer (see `bodies`)
        self.calls = 0  # HTTP requests sent
        self.graph_calls = 0  # what Meta's rate budget charges: a batch of n is n calls
        # told the account after each answer
        self.observers: list[Callable[[str | None], None]] = []
        self.size_plans: dict[str, sizing.SizePlan] = {}
        self._lock = threading.Lock()
        # At most max_concurrent_requests requests in flight, from however many threads ask.
        self.slots = RequestSlots(settings.max_concurrent_requests)
        # After the first failed request, requests (and a batch's re-sending rounds) go one at a time.
        self._one_at_a_time = threading.RLock()
        self.serial = False
        self.closed = False

    # ---- single calls -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL for a Graph path (`ig-id/media`) or a next-page URL (kept as is)."""
        if path.startswith(("http://", "https://")):
            if urlsplit(path).netloc != self._graph_netloc:
                raise errors.BadResponseError(
                    f"refusing to follow a paging URL to another host ({urlsplit(path).netloc})"
                )
            return path
        return f"{self.settings.graph_url}/{path.lstrip('/')}"

    def get(self, path: str, *, account: str | None = None, **params: Any) -> dict[str, Any]:
        """GET a node or edge; returns the decoded JSON object."""
        result = self.request("GET", path, params=params, account=account)
        assert isinstance(result, dict)
        return result

    def post(self, path: str, *, account: str | None = None, **data: Any) -> dict[str, Any]:
        """POST a form; not retried once its outcome is unknown (see `retry`)."""
        result = self.request("POST", path, data=data, account=account)
        assert isinstance(result, dict)
        return result

    def delete(self, path: str, *, account: str | None = None, **params: Any) -> dict[str, Any]:
        """DELETE a node (treated like a write: not repeated once its outcome is unknown)."""
        result = self.request("DELETE", path, params=params, account=account)
        assert isinstance(result, dict)
        return result

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        account: str | None = None,
        idempotent: bool | None = None,
        insights: bool = False,
        shrinkable: bool = False,
        cost: int = 1,
        urgent: bool = False,
    ) -> Any:
        """One logical call: pacing, retries with backoff, one token refresh on 190/102.

        `shrinkable`: the caller can ask for less, so "reduce the amount of data" is raised at
        once instead of being retried unchanged. `cost`: the Graph calls each attempt is charged
        (a batch request of n operations costs n). `urgent`: a page read, let in before waiting
        batch requests (see `slots`).
        """
        method = method.upper()
        idempotent = method == "GET" if idempotent is None else idempotent
        account = account or account_of(path)
        refreshed = False
        while True:
            used: list[str | None] = [None]
            try:
                return self._with_retries(
                    method, path, params, data, account, idempotent, insights, used,
                    shrinkable=shrinkable, cost=cost, urgent=urgent,
                )  # fmt: skip
            except AuthError as exc:
                if refreshed or not self.auth.recover(exc, used[0]):
                    raise
                refreshed = True
                log.info("%s %s: retrying with the refreshed token", method, label_path(path))

    def _with_retries(
        self, method: str, path: str, params: dict[str, Any] | None, data: dict[str, Any] | None,
        account: str | None, idempotent: bool, insights: bool, used: list[str | None],
        *, shrinkable: bool = False, cost: int = 1, urgent: bool = False,
    ) -> Any:  # fmt: skip
        attempts = [0]
        started = self.pacer.clock()

        def waits() -> Generator[float, Any, None]:
            error = yield 0.0
            while True:
                error = yield self._retry_wait(error, attempts[0], account)

        def give_up(error: Exception) -> bool:
            if isinstance(error, errors.UnreachableError):
                return self._unreachable_gives_up(error, attempts[0], started)
            return not (
                isinstance(error, GraphError)
                and retry.should_retry(
                    error, attempts[0], self.policy, idempotent=idempotent, shrinkable=shrinkable
                )
            )

        def log_retry(details: Any) -> None:
            exc = details.get("exception")
            wait = details.get("wait", 0.0)
            if isinstance(exc, errors.UnreachableError):
                log.warning("%s; trying again in %.0f s (for up to unreachable_timeout_seconds, %g s)",
                            exc, retry.unreachable_wait(attempts[0]),
                            self.settings.unreachable_timeout_seconds)  # fmt: skip
                return
            log.warning(
                "%s %s failed (attempt %d of %d): %s; retrying %s",
                method, label_path(path), attempts[0], self.policy.maximum_retries + 1, exc,
                f"in {wait:.1f} s" if wait else "once the throttle wait is over",
            )  # fmt: skip

        @backoff.on_exception(
            waits, GraphError, giveup=give_up, on_backoff=log_retry, jitter=None, logger=None
        )
        def attempt() -> Any:
            attempts[0] += 1
            return self._send(method, path, params, data, account, insights, used, cost, urgent)

        return attempt()

    def _unreachable_gives_up(
        self, error: errors.UnreachableError, attempt: int, started: float
    ) -> bool:
        """A host never reached is retried for unreachable_timeout_seconds in all, then given up."""
        budget = self.settings.unreachable_timeout_seconds
        elapsed = self.pacer.clock() - started
        if elapsed + retry.unreachable_wait(attempt) <= budget:
            return False
        error.advice = (f"gave up after {attempt} attempt(s) in {elapsed:.0f} s "
                        f"(unreachable_timeout_seconds is {budget:g})")  # fmt: skip
        return True

    def _retry_wait(self, error: GraphError, attempt: int, account: str | None) -> float:
        self.go_serial(error)
        if isinstance(error, errors.UnreachableError):
            self.pacer.sleep(retry.unreachable_wait(attempt))  # on the pacer's (injectable) clock
            return 0.0
        interval = retry.jitter(retry.backoff_interval(attempt, self.policy))
        if isinstance(error, errors.RateLimitedError):
            # The pacer owns throttle waits (it can use an injected clock); backoff waits nothing.
            self.pacer.on_throttle(account, error.regain_seconds, interval)
            return 0.0
        return interval

    def _send(
        self, method: str, path: str, params: dict[str, Any] | None, data: dict[str, Any] | None,
        account: str | None, insights: bool, used: list[str | None], cost: int = 1,
        urgent: bool = False,
    ) -> Any:  # fmt: skip
        url = self.url(path)
        label = f"{method} {label_path(path)}"
        query = {**self.settings.extra_params, **(params or {})}
        with self.one_at_a_time():
            answer = self._exchange(method, url, query, data, account, used, cost, label, urgent)
        for observer in self.observers:
            observer(account)
        used[0] = _bearer(answer.request.headers.get("Authorization")) or used[0]
        self.clock.observe(answer.headers.get("Date"))
        self.pacer.after_response(account, answer.headers)
        body, error = read_answer(answer, request=label, insights=insights)
        if error is not None:
            if isinstance(error, errors.RateLimitedError):
                error.regain_seconds = regain(self.pacer, account)
            raise error
        if not isinstance(body, dict | list):
            raise errors.BadResponseError(
                "Graph answered with JSON that is not an object", request=label
            )
        return body

    def _exchange(
        self, method: str, url: str, query: dict[str, Any], data: dict[str, Any] | None,
        account: str | None, used: list[str | None], cost: int, label: str, urgent: bool = False,
    ) -> requests.Response:  # fmt: skip
        """Pace, send and read one HTTP request whole."""
        if self.closed:
            raise errors.ClientClosedError("the run is over: this read was not sent", request=label)
        self.pacer.before_call(account)
        used[0] = self.auth.access_token
        try:
            with self._lock:  # batch requests may be in flight from several threads
                self.calls += 1
                self.graph_calls += cost
            with self.slots.slot(urgent=urgent):
                answer = self.session.request(
                    method, url, params=query, data=data, auth=self.auth, timeout=self.timeout,
                    allow_redirects=False, stream=True,
                )  # fmt: skip
                # The body must be whole within response_timeout of the headers, however it drips.
                read_within(answer, self.monotonic() + self.timeout[1], self.monotonic)
        except requests.RequestException as exc:
            raise _network_error(exc, label, self.settings) from None
        return answer

    def close(self) -> None:
        """No request is sent from now on (reads still running in other threads end at their next)."""
        self.closed = True
        if self._chunks is not None:
            self._chunks.shutdown(wait=False, cancel_futures=True)

    def one_at_a_time(self) -> contextlib.AbstractContextManager[object]:
        """Held around a request (or a batch chunk) once the client went serial; else nothing."""
        return self._one_at_a_time if self.serial else contextlib.nullcontext()

    def go_serial(self, error: GraphError | None) -> None:
        """A request failed or was throttled: one request in flight at a time from now on.

        Re-sent requests then never meet the same throttle or fault in a crowd of their siblings.
        """
        with self._lock:
            first, self.serial = not self.serial, True
        if first and self.settings.max_concurrent_requests > 1:
            log.info("%s: sending one request at a time for the rest of this run "
                     "(max_concurrent_requests is %d)", type(error).__name__ if error else "a retry",
                     self.settings.max_concurrent_requests)  # fmt: skip


def _session(concurrency: int) -> requests.Session:
    """A session keeping a connection per thread in flight (batch workers, each with its calls)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(10, concurrency * concurrency))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _bearer(header: str | None) -> str | None:
    return header.split(" ", 1)[1] if header and " " in header else None


def _network_error(
    exc: requests.RequestException, label: str, settings: GraphSettings
) -> errors.NetworkError:
    """Map a requests failure, deciding whether the request may have reached the server."""
    reason = getattr(exc.args[0], "reason", exc.args[0]) if exc.args else exc
    never_connected = isinstance(exc, requests.ConnectTimeout | requests.exceptions.ProxyError) or (
        isinstance(exc, requests.ConnectionError)
        and isinstance(reason, urllib3.exceptions.NewConnectionError | ConnectionRefusedError)
    )
    if never_connected:
        return errors.UnreachableError(_unreachable_text(exc, reason, settings), request=label)
    kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
    return errors.NetworkError(
        f"{kind}: {type(exc).__name__}: {redact(str(exc))[:300]}", sent=True, request=label
    )


def _unreachable_text(exc: Exception, reason: object, settings: GraphSettings) -> str:
    """Which host, why, and which settings to check."""
    host = urlsplit(settings.endpoints.graph).netloc
    if isinstance(exc, requests.exceptions.ProxyError):
        why = "the proxy refused or is down"
    elif isinstance(exc, requests.ConnectTimeout):
        why = "no answer to connect"
    elif "Name or service not known" in str(reason) or "resolve" in str(reason).lower():
        why = "unknown host name"
    else:
        why = "connection refused"
    api_url = settings.api_url or "unset: the Graph default"
    return (f"cannot reach {host} ({why}); check api_url ({api_url}) and proxy "
            f"({settings.proxy or 'none'}), and that the network lets this machine reach that host")  # fmt: skip
