"""A host that cannot be reached fails within unreachable_timeout_seconds, naming api_url and proxy."""

from __future__ import annotations

import socket

import pytest

from instagram_graph import errors
from instagram_graph.auth import GraphAuthenticator
from instagram_graph.client import GraphClient
from instagram_graph.pacing import Pacer
from instagram_graph.settings import GraphSettings

from .conftest import FakeTime


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def client_for(t: FakeTime, **config: object) -> GraphClient:
    settings = GraphSettings.from_config({"access_token": "EAAtoken-for-tests", **config})
    return GraphClient(settings, authenticator=GraphAuthenticator(settings),
                       pacer=Pacer(clock=t.clock, sleep=t.sleep))  # fmt: skip


def test_a_refused_connection_is_retried_for_the_budget_then_names_the_settings() -> None:
    t, port = FakeTime(), closed_port()
    client = client_for(t, api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(errors.UnreachableError) as caught:
        client.get("me", fields="id")
    assert t.slept == [1, 2, 4, 4, 4]  # 15 s of waits on the injected clock, then it gives up
    text = caught.value.describe()
    assert f"cannot reach 127.0.0.1:{port} (connection refused)" in text
    assert f"api_url (http://127.0.0.1:{port})" in text and "proxy (none)" in text
    assert "gave up after 6 attempt(s) in 15 s (unreachable_timeout_seconds is 15)" in text


def test_the_budget_is_a_setting() -> None:
    t = FakeTime()
    client = client_for(
        t, api_url=f"http://127.0.0.1:{closed_port()}", unreachable_timeout_seconds=0
    )
    with pytest.raises(errors.UnreachableError) as caught:
        client.get("me")
    assert "gave up after 1 attempt(s) in 0 s" in caught.value.describe() and t.slept == []


def test_an_unknown_host_name_and_a_dead_proxy_are_told_apart() -> None:
    t = FakeTime()
    client = client_for(t, api_url="http://no-such-host.invalid", unreachable_timeout_seconds=0)
    with pytest.raises(
        errors.UnreachableError, match=r"no-such-host\.invalid \(unknown host name\)"
    ):
        client.get("me")
    port = closed_port()
    client = client_for(t, api_url="http://graph.example.com", proxy=f"http://127.0.0.1:{port}",
                        unreachable_timeout_seconds=0)  # fmt: skip
    with pytest.raises(errors.UnreachableError) as caught:
        client.get("me")
    assert "the proxy refused or is down" in str(caught.value)
    assert f"proxy (http://127.0.0.1:{port})" in str(caught.value)


def test_a_write_to_an_unreachable_host_is_known_unsent() -> None:
    t = FakeTime()
    client = client_for(
        t, api_url=f"http://127.0.0.1:{closed_port()}", unreachable_timeout_seconds=3
    )
    with pytest.raises(errors.UnreachableError) as caught:
        client.post("1789/comments", message="hi")
    assert caught.value.sent is False and t.slept == [1, 2]
