"""The credentials a run reads with: the top-level token and each entry of `credentials`.

An agency reads many accounts: one Facebook Login token reaches every Page-linked account its user
manages, while an Instagram Login token reaches one account. `credentials` lists them; an entry's
keys override the top-level settings, and everything else (retries, pacing, version, proxy) is
shared. Each credential has its own client, token and scopes. One whose token is dead or refused
costs its own accounts only, with one warning; only when no credential is left does the run stop.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from instagram_graph import GraphClient, GraphSettings, IGAccount, Login, resolve_accounts
from instagram_graph.errors import AuthError, GraphError, PermissionDeniedError, SettingsError
from instagram_graph.scopes import Grants

log = logging.getLogger("tap_instagram")

# What identifies a credential: not inherited from the top level by `credentials` entries.
IDENTITY_KEYS = ("access_token", "refresh_token", "token_store", "login", "ig_user_ids",
                 "facebook_page_name")  # fmt: skip
# What an entry may set.
CREDENTIAL_KEYS = (*IDENTITY_KEYS, "api_url", "oauth_mode", "client_id", "client_secret",
                   "app_secret")  # fmt: skip


def credential_configs(config: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(label, config) per credential: the top level when it holds a token, then each entry."""
    entries = config.get("credentials") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SettingsError("credentials", "expected a list of objects",
                            'write it as [{"access_token": "…", "login": "instagram"}]')  # fmt: skip
    base = {k: v for k, v in config.items() if k != "credentials"}
    found: list[tuple[str, dict[str, Any]]] = []
    if not entries or any(base.get(k) for k in ("access_token", "refresh_token", "token_store")):
        found.append(("access_token", base))
    shared = {k: v for k, v in base.items() if k not in IDENTITY_KEYS}
    for index, entry in enumerate(entries):
        unknown = sorted(set(entry) - set(CREDENTIAL_KEYS))
        if unknown:
            raise SettingsError(f"credentials[{index}].{unknown[0]}", "is not a credential key",
                                f"use only {', '.join(CREDENTIAL_KEYS)}")  # fmt: skip
        found.append((f"credentials[{index}]", {**shared, **entry}))
    return found


def credential_settings(config: Mapping[str, Any]) -> list[tuple[str, GraphSettings]]:
    """Checked settings per credential; a bad entry's error names it (`credentials[2].login`)."""
    out = []
    for label, cfg in credential_configs(config):
        try:
            out.append((label, GraphSettings.from_config(cfg)))
        except SettingsError as exc:
            if label == "access_token":
                raise
            raise SettingsError(f"{label}.{exc.setting}", exc.problem, exc.fix) from None
    return out


@dataclass
class Connection:
    """One credential: its settings, its client (made on first use) and what it reaches."""

    label: str
    settings: GraphSettings
    observe: Callable[[str | None], None]
    failure: GraphError | None = None  # the credential is dead or refused: its accounts are skipped
    accounts: list[IGAccount] = field(default_factory=list)

    @cached_property
    def client(self) -> GraphClient:
        """The credential's own Graph client; every answer may log progress."""
        client = GraphClient(self.settings)
        client.observers.append(self.observe)
        return client

    @cached_property
    def grants(self) -> Grants | None:
        """The token's scopes per `debug_token`, asked once (None: unknown, learn per endpoint)."""
        if self.settings.login is not Login.FACEBOOK:
            return None
        return Grants.from_debug(self.client.auth.token_info())

    def counts(self) -> tuple[int, int]:
        """HTTP requests and Graph calls so far (token endpoints included)."""
        if "client" not in self.__dict__:
            return 0, 0
        token_calls = self.client.auth.exchanger.calls
        return self.client.calls + token_calls, self.client.graph_calls + token_calls


class Connections:
    """Every credential of the run, the accounts each reaches, and which ones failed."""

    def __init__(
        self, settings: list[tuple[str, GraphSettings]], observe: Callable[[str | None], None], *,
        share: tuple[int, int] = (0, 1),
    ) -> None:  # fmt: skip
        """Nothing is asked until the accounts are. `share`: (index, count), see `share_of`."""
        self.all = [Connection(label, s, observe) for label, s in settings]
        self.share = share
        self._owner: dict[str, Connection] = {}
        self.failed_accounts: dict[str, GraphError] = {}

    @cached_property
    def accounts(self) -> list[IGAccount]:
        """Every account a live credential reaches, each once (the first credential wins).

        A credential that cannot list its accounts is warned about and left out; when none can,
        the first one's error stops the run.
        """
        for conn in self.all:
            try:
                conn.accounts = resolve_accounts(conn.client)
            except (AuthError, PermissionDeniedError, SettingsError) as exc:
                if len(self.all) == 1:
                    raise
                self._fail(conn, exc if isinstance(exc, GraphError) else _as_graph_error(exc))
                continue
            index, count = self.share
            conn.accounts = [a for a in conn.accounts if share_of(a.id, count) == index]
            for account in conn.accounts:
                self._owner.setdefault(account.id, conn)
        if not self._owner and self.all and self.all[0].failure is not None:
            raise self.all[0].failure
        if not self._owner and self.share[1] > 1:
            log.warning("share %d of %d holds none of the accounts: nothing to read", *self.share)
        return [a for conn in self.all for a in conn.accounts if self._owner.get(a.id) is conn]

    def of(self, account_id: str) -> Connection:
        """The credential that reads `account_id`."""
        if account_id not in self._owner:
            self.accounts  # noqa: B018 - resolving fills the owners
        return self._owner.get(account_id) or self.all[0]

    def failure(self, account_id: str) -> GraphError | None:
        """Why this account is no longer read (its credential died, or it failed), else None."""
        return self.of(account_id).failure or self.failed_accounts.get(account_id)

    def isolate(self, account_id: str, error: GraphError) -> bool:
        """Charge `error` to this account (or its credential, for a dead token) if others go on.

        False when this was the last account still being read: the run should stop instead.
        """
        conn = self.of(account_id)
        alive = [a for a in self.accounts if self.failure(a.id) is None]
        if isinstance(error, AuthError):
            if not any(self.of(a.id) is not conn for a in alive):
                return False
            self._fail(conn, error)
            return True
        if [a.id for a in alive] == [account_id]:
            return False
        if account_id not in self.failed_accounts:
            log.warning("account %s failed (%s): its other streams are skipped; the other "
                        "accounts go on", account_id, error)  # fmt: skip
        self.failed_accounts[account_id] = error
        return True

    def _fail(self, conn: Connection, error: GraphError) -> None:
        if conn.failure is None:
            log.warning("%s (%s login) cannot be used: %s. Its accounts are skipped; the other "
                        "credentials go on", conn.label, conn.settings.login, error)  # fmt: skip
        conn.failure = error

    def summary_lines(self) -> list[str]:
        """For the end-of-run summary: each credential that could not be used, and why."""
        return [
            f"{c.label} ({c.settings.login} login): cannot be used ({c.failure}); "
            f"its accounts were not read{' past this point' if c.accounts else ''}"
            for c in self.all if c.failure is not None
        ]  # fmt: skip

    def counts(self) -> tuple[int, int]:
        """HTTP requests and Graph calls of every credential so far."""
        totals = [c.counts() for c in self.all]
        return sum(t[0] for t in totals), sum(t[1] for t in totals)

    def close(self) -> None:
        """No credential sends anything more."""
        for conn in self.all:
            if "client" in conn.__dict__:
                conn.client.close()


def share_of(account_id: str, count: int) -> int:
    """Which of `count` shares an account belongs to: a stable hash of its id.

    The same in every process and run, so an account keeps its share, and its state, while
    `count` stays.
    """
    return zlib.crc32(account_id.encode()) % count


def _as_graph_error(exc: Exception) -> GraphError:
    """A setting error met while listing a credential's accounts, as a Graph error for the skip."""
    return PermissionDeniedError(str(exc), request="GET /me/accounts")
