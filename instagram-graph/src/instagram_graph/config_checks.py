"""Checks of a whole configuration made once at start: keys nobody reads, tokens of the other login.

Pure functions of the configuration; the plugins log or raise what they return.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from instagram_graph.errors import SettingsError

# The prefixes Meta gives each login's user tokens.
_TOKEN_LOGIN = {"EAA": "facebook", "IGAA": "instagram", "IGQ": "instagram"}


def unknown_settings(config: Mapping[str, Any], known: Iterable[str]) -> list[str]:
    """One line per key of `config` that no setting reads, with the nearest setting's name."""
    names = sorted(set(known))
    lines = []
    for key in sorted(set(config) - set(names)):
        near = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f" (did you mean `{near[0]}`?)" if near else ""
        lines.append(f"unknown setting `{key}` is ignored{hint}")
    return lines


def check_at_least(config: Mapping[str, Any], floors: Mapping[str, float]) -> None:
    """Refuse a setting below its floor (instead of clamping it somewhere later)."""
    for name, least in floors.items():
        value = config.get(name)
        if value is not None and float(value) < least:
            raise SettingsError(name, f"{value} is below {least}", f"use {least} or more")


def check_token_login(token: str | None, login: str) -> None:
    """A token made for the other login fails every call with 'Cannot parse access token': say so now."""
    if not token:
        return
    made_for = next((lg for prefix, lg in _TOKEN_LOGIN.items() if token.startswith(prefix)), None)
    if made_for is not None and made_for != login:
        raise SettingsError(
            "login",
            f"access_token looks like a token of {made_for.capitalize()} Login, but login is {login}",
            f"set login to {made_for}, or use a token of {login.capitalize()} Login",
        )
