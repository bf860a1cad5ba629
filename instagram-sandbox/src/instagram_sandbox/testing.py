"""Test helpers: the demo scenario seen through plain `requests` calls on loopback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests

from instagram_sandbox.server import SandboxClient, SandboxServer


@dataclass
class Demo:
    """The demo scenario as a test sees it: URLs, tokens, account ids, and call helpers."""

    server: SandboxServer
    control: SandboxClient
    fb_token: str = field(repr=False)  # secrets stay out of assertion messages
    ig_token: str = field(repr=False)
    acme: str
    bakery: str
    creator: str
    apps: dict[str, dict[str, str]] = field(repr=False)

    @property
    def base(self) -> str:
        """Facebook-Login base URL."""
        return self.server.base_url

    @property
    def ig_base(self) -> str:
        """Instagram-Login base URL."""
        return self.server.instagram_base_url

    def call(self, method: str, path: str, *, token: str | None = None, host: str = "facebook",
             version: str | None = "v25.0", bearer: bool = True, **params: Any) -> requests.Response:  # fmt: skip
        """Call the Graph API on either host; the token goes in a Bearer header unless `bearer=False`."""
        base = self.base if host == "facebook" else self.ig_base
        url = f"{base}/{version}{path}" if version else f"{base}{path}"
        token = (
            token if token is not None else (self.fb_token if host == "facebook" else self.ig_token)
        )
        headers = {"Authorization": f"Bearer {token}"} if bearer and token else {}
        if not bearer and token:
            params["access_token"] = token
        if method == "GET":
            return requests.get(url, params=params, headers=headers, timeout=30)
        return requests.request(method, url, data=params, headers=headers, timeout=30)

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET a Graph path."""
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        """POST a Graph path with a form body."""
        return self.call("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        """DELETE a Graph path."""
        return self.call("DELETE", path, **kw)

    def ok(self, answer: requests.Response) -> Any:
        """The JSON body of a 200 answer (fails the test otherwise)."""
        assert answer.status_code == 200, answer.text
        return answer.json()


def graph_error(answer: requests.Response) -> dict[str, Any]:
    """The `error` object of a Graph error answer."""
    body = answer.json()
    assert "error" in body, body
    return dict(body["error"])


def demo_for(server: SandboxServer) -> Demo:
    """Tokens and account ids of the demo scenario running on `server`."""
    control = server.client()
    tokens = control.tokens()
    by_name = {row["label"].split(" ")[0]: row for row in tokens["accounts"]}
    return Demo(
        server=server,
        control=control,
        fb_token=by_name["acmecoffee"]["access_token"],
        ig_token=by_name["lena.creates"]["access_token"],
        acme=by_name["acmecoffee"]["account_id"],
        bakery=by_name["acmebakery"]["account_id"],
        creator=by_name["lena.creates"]["account_id"],
        apps=tokens["apps"],
    )


@dataclass
class ServedDemo:
    """A demo sandbox running as `instagram-sandbox serve` in its own process."""

    base_url: str
    account_id: str
    access_token: str


@contextmanager
def served_demo(*extra_args: str) -> Iterator[ServedDemo]:
    """Run the CLI on a free port; yield its base URL and the acmecoffee account's id and token."""
    proc = subprocess.Popen(  # noqa: S603 - our own console entry, no shell
        [
            sys.executable,
            "-m",
            "instagram_sandbox.cli",
            "serve",
            "--port",
            "0",
            "--scenario",
            "demo",
            *extra_args,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = account = token = None
        for line in proc.stdout:
            if "base URL (Facebook Login)" in line:
                base = line.split()[-1]
            elif "acmecoffee" in line:
                account, token = line.split()[1], line.split()[-1]
                break
        if base is None or account is None or token is None:
            raise RuntimeError(
                "instagram-sandbox serve ended before announcing its base URL and tokens"
            )
        yield ServedDemo(base, account, token)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class LeakWatch:
    """Remembers every token, code and app secret any sandbox issues, and finds them in texts.

    `start()` wraps the token registry and the backend loader for the rest of the process, so
    secrets issued mid-test (refreshes, code exchanges) are remembered even after a reset.
    """

    def __init__(self) -> None:
        """Nothing remembered yet."""
        self.secrets: set[str] = set()

    def start(self) -> LeakWatch:
        """Begin recording (idempotent per process)."""
        from instagram_sandbox.state.backend import GraphBackend
        from instagram_sandbox.state.tokens import TokenRegistry

        watch = self
        issue, issue_code, load = TokenRegistry.issue, TokenRegistry.issue_code, GraphBackend.load

        def recording_issue(registry: TokenRegistry, *args: Any, **kwargs: Any) -> Any:
            token = issue(registry, *args, **kwargs)
            watch.secrets.add(token.value)
            return token

        def recording_code(registry: TokenRegistry, *args: Any, **kwargs: Any) -> Any:
            code = issue_code(registry, *args, **kwargs)
            watch.secrets.add(code.code)
            return code

        def recording_load(backend: GraphBackend) -> None:
            load(backend)
            for app in backend.world.apps.values():
                watch.secrets.update({app.secret, f"{app.app_id}|{app.secret}"})

        TokenRegistry.issue = recording_issue  # type: ignore[method-assign,assignment]
        TokenRegistry.issue_code = recording_code  # type: ignore[method-assign,assignment]
        GraphBackend.load = recording_load  # type: ignore[method-assign,assignment]
        return self

    def scan(self, texts: list[str]) -> list[str]:
        """One line per text that contains a remembered secret (the secret itself is not shown)."""
        found = []
        for number, text in enumerate(texts):
            for secret in self.secrets:
                if secret in text:
                    where = text.index(secret)
                    context = text[max(0, where - 60) : where].replace("\n", " ")
                    found.append(f"text #{number}: a {len(secret)}-char secret after …{context!r}")
        return found
