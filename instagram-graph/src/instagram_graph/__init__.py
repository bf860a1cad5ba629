"""The shared Instagram Graph API client of tap-instagram and target-instagram."""

from instagram_graph.accounts import IGAccount, resolve_accounts
from instagram_graph.auth import GraphAuthenticator, TokenStore
from instagram_graph.batch import BatchOperation, BatchResult
from instagram_graph.client import GraphClient
from instagram_graph.errors import (
    AuthError,
    BadResponseError,
    GraphError,
    InsufficientDataError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    PublishingLimitError,
    RateLimitedError,
    SettingsError,
    SkippableError,
    TransientError,
)
from instagram_graph.paging import Shape
from instagram_graph.settings import SETTINGS_SCHEMA, GraphSettings, Login, OAuthMode

__all__ = [
    "SETTINGS_SCHEMA",
    "AuthError",
    "BadResponseError",
    "BatchOperation",
    "BatchResult",
    "GraphAuthenticator",
    "GraphClient",
    "GraphError",
    "GraphSettings",
    "IGAccount",
    "InsufficientDataError",
    "InvalidRequestError",
    "Login",
    "NetworkError",
    "NotFoundError",
    "OAuthMode",
    "PermissionDeniedError",
    "PublishingLimitError",
    "RateLimitedError",
    "SettingsError",
    "Shape",
    "SkippableError",
    "TokenStore",
    "TransientError",
    "resolve_accounts",
]
