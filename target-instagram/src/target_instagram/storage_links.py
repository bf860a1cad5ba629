"""Publishing from your storage: `s3://…` (or `gs://…`, `az://…`) media URLs made fetchable.

Graph fetches a post's image or video itself, from a public HTTPS URL. A publish record may
instead name an object in the user's storage; when its container is created the target checks the
object exists (and, for images, is a JPEG of at most 8 MB), then presigns a time-limited HTTPS
link with the storage's fsspec filesystem (s3fs, gcsfs, adlfs) and sends that. The record and the
ledger keep the storage URL, so a retried post gets a fresh link; links are registered as secrets,
so they never reach a log or the results file, which names the fields that were presigned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

import fsspec

from instagram_graph.errors import SettingsError
from instagram_graph.redaction import register_option_secrets, register_secret

# fsspec protocols whose filesystems make presigned links, and the package each needs
SIGNABLE = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs",
            "abfs": "adlfs", "abfss": "adlfs"}  # fmt: skip
LINK_FIELDS = ("image_url", "video_url", "cover_url")
IMAGE_FIELDS = ("image_url", "cover_url")
IMAGE_MAX_BYTES = 8 * 1024 * 1024  # graph-api.md §6.1: images up to 8 MB
EXPIRY_DEFAULT = 3600
EXPIRY_MAX = 7 * 86400  # S3's longest presigned link


def is_storage_url(url: str) -> bool:
    """True for a URL in a storage the target can presign (`s3://bucket/key`)."""
    return urlparse(url).scheme.lower() in SIGNABLE


def storage_fields(payload: Mapping[str, Any]) -> list[str]:
    """The fields of a publish payload that name storage objects (`children[1].image_url`)."""
    found = [f for f in LINK_FIELDS if is_storage_url(str(payload.get(f) or ""))]
    for n, item in enumerate(payload.get("children") or []):
        found += [
            f"children[{n}].{f}" for f in LINK_FIELDS if is_storage_url(str(item.get(f) or ""))
        ]
    return found


class LinkError(Exception):
    """A storage URL that could not be made into a link; `retriable` when a later run may."""

    def __init__(self, reason: str, *, retriable: bool = False) -> None:
        """The reason, naming the field and the fix."""
        super().__init__(reason)
        self.retriable = retriable


@dataclass(frozen=True)
class LinkOptions:
    """How links are made: their lifetime and the filesystem options (credentials, endpoint)."""

    expiry: int = EXPIRY_DEFAULT
    storage_options: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LinkOptions:
        """Read and check `presigned_url_expiry_seconds` and `media_storage_options`."""
        expiry = config.get("presigned_url_expiry_seconds") or EXPIRY_DEFAULT
        if not isinstance(expiry, int) or not 60 <= expiry <= EXPIRY_MAX:
            raise SettingsError("presigned_url_expiry_seconds", f"{expiry!r} is not 60–{EXPIRY_MAX}",
                                "give the links' lifetime in seconds, e.g. 3600")  # fmt: skip
        options = config.get("media_storage_options") or {}
        if not isinstance(options, dict):
            raise SettingsError("media_storage_options", "expected an object",
                                'write fsspec options, e.g. {"endpoint_url": "https://…"}')  # fmt: skip
        register_option_secrets(options)
        return cls(expiry, dict(options))


class StorageLinks:
    """Makes the links of one run; filesystems are fsspec's (cached by it)."""

    def __init__(self, options: LinkOptions) -> None:
        """Nothing is opened until a storage URL is seen."""
        self.options = options
        self.made = 0

    def link(self, url: str, name: str) -> str:
        """A presigned HTTPS link to the object at `url`; `LinkError` says why not."""
        protocol = urlparse(url).scheme.lower()
        fs, path = storage_fs(url, name, self.options.storage_options)
        info = object_info(fs, path, url, name)
        self._check_image(info, url, name)
        try:
            signed = str(fs.sign(path, expiration=self.options.expiry))
        except NotImplementedError:
            raise LinkError(f"{name}: {protocol}:// storage cannot make presigned links; "
                            "give a public https URL instead") from None  # fmt: skip
        except Exception as exc:  # the storage library's own errors (credentials, say)
            raise LinkError(f"{name}: no presigned link for {url} ({type(exc).__name__}: "
                            f"{exc}); check media_storage_options") from None  # fmt: skip
        register_secret(signed)
        register_secret(urlparse(signed).query)
        self.made += 1
        return signed

    @staticmethod
    def _check_image(info: Mapping[str, Any], url: str, name: str) -> None:
        if name.rsplit(".", 1)[-1] not in IMAGE_FIELDS:
            return
        size = int(info.get("size") or 0)
        if size > IMAGE_MAX_BYTES:
            raise LinkError(f"{name}: {url} is {size:,} bytes; Instagram takes images up to 8 MB")
        kind = str(info.get("ContentType") or info.get("content_type") or "").lower()
        if kind.startswith("image/") and kind not in ("image/jpeg", "image/jpg"):
            raise LinkError(f"{name}: {url} is {kind}; Instagram accepts JPEG images only")

    def params(self, params: Mapping[str, Any], where: str = "") -> dict[str, Any]:
        """Container parameters with every storage URL replaced by its link."""
        out = dict(params)
        for key in LINK_FIELDS:
            if key in out and is_storage_url(str(out[key])):
                out[key] = self.link(str(out[key]), where + key)
        return out


def storage_path_ok(url: str) -> bool:
    """A storage URL names a bucket (or container) and an object in it."""
    parsed = urlparse(url)
    return bool(parsed.netloc) and PurePosixPath(parsed.path).name != ""


def storage_fs(url: str, name: str, options: Mapping[str, Any]) -> tuple[Any, str]:
    """The fsspec filesystem and path of a storage URL; `LinkError` when its package is missing."""
    try:
        fs, path = fsspec.core.url_to_fs(url, **options)
    except ImportError:
        protocol = urlparse(url).scheme.lower()
        package = SIGNABLE.get(protocol, "its fsspec package")
        raise LinkError(f"{name}: {protocol}:// URLs need {package}; install it (for S3: "
                        "pip install 'instagram-connector-target-instagram[s3]')") from None  # fmt: skip
    return fs, path


def object_info(fs: Any, path: str, url: str, name: str) -> dict[str, Any]:
    """The object's fsspec info; `LinkError` says why it cannot be had (retriable when unreachable)."""
    try:
        return dict(fs.info(path))
    except FileNotFoundError:
        raise LinkError(f"{name}: {url} does not exist in storage; upload it first, "
                        "then send the record again") from None  # fmt: skip
    except PermissionError as exc:
        raise LinkError(f"{name}: {url} cannot be read ({exc}); give the storage "
                        "credentials in media_storage_options or the environment") from None  # fmt: skip
    except OSError as exc:
        raise LinkError(f"{name}: storage unreachable for {url} ({exc})", retriable=True) from None
    except Exception as exc:  # credentials missing, a bad endpoint: the library's own types
        raise LinkError(f"{name}: {url} cannot be read ({type(exc).__name__}: {exc}); check "
                        "media_storage_options or the storage's environment settings") from None  # fmt: skip
