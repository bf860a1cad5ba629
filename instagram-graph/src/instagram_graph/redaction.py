"""Keep secrets out of logs and exception texts.

Every secret the package sees (configured tokens, refreshed tokens, app secrets, codes) is
registered with `register_secret`; `redact` replaces registered values and anything shaped like a
token or a secret query parameter. `RedactingFilter` applies `redact` to log records; `install`
attaches it to the package's logger and to every handler of the root logger.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"
_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_PARAMS = re.compile(
    r"(?i)\b((?:access_token|client_secret|fb_exchange_token|input_token|refresh_token|code|"
    r"appsecret_proof|app_secret|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|"
    r"X-Goog-Signature|X-Goog-Credential|Signature|sig)=)[^&\s\"']+"
)
_SECRET_KEY = re.compile(r"(?i)key|secret|token|password|credential|sas|signature")
_HEADER = re.compile(r"(?i)((?:Bearer|OAuth)\s+)[A-Za-z0-9|._\-]{8,}")
# Graph token shapes: Facebook `EAA…`, Instagram `IGAA…`/`IGQ…`, app tokens `id|secret`.
_TOKEN = re.compile(r"\b(?:EAA|IGAA|IGQ)[A-Za-z0-9_\-]{20,}|\b\d{6,}\|[A-Za-z0-9_\-]{16,}")


def register_secret(value: str | None) -> None:
    """Remember a secret so every later log line and error text masks it."""
    if value and len(value) >= 6:
        with _LOCK:
            _SECRETS.add(value)


def register_option_secrets(options: Mapping[str, Any]) -> None:
    """Register the values under secret-looking keys of an options object (storage credentials)."""
    for key, value in options.items():
        if isinstance(value, Mapping):
            register_option_secrets(value)
        elif isinstance(value, str) and _SECRET_KEY.search(str(key)):
            register_secret(value)


def redact(text: str) -> str:
    """`text` with every registered secret, token-shaped string and secret parameter masked."""
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PARAMS.sub(lambda m: m.group(1) + MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _TOKEN.sub(MASK, text)


def _redact_arg(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, BaseException):
        return redact(str(value))
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message, its arguments and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_FILTER = RedactingFilter()


def get_logger(name: str) -> logging.Logger:
    """A package logger whose records are redacted where they are made, whatever the handlers."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def install(*loggers: logging.Logger) -> None:
    """Attach the filter to the package logger, the given loggers and all root handlers."""
    targets: list[logging.Logger | logging.Handler] = [logging.getLogger("instagram_graph")]
    targets.extend(loggers)
    for logger in [logging.getLogger(), *loggers]:
        targets.extend(logger.handlers)
    for target in targets:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
