"""Where copies of media files go: any fsspec location, with a manifest per media.

`media_files_url` names the place: a local folder (`output/media`), `s3://bucket/prefix`, `gs://…`,
`az://…`; credentials come the fsspec way (the environment, or `media_files_storage_options`).
A file's key is `ACCOUNT/MEDIA/RENDITION-SHA.EXT`: stable for a media and named by its content. Each
media folder holds `files.json`, the manifest of what is stored there (key, size, sha256, …), written
after the files: a later run checks the manifest and each object's size, and downloads nothing
already stored.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping
from typing import Any

import fsspec

from instagram_graph.errors import SettingsError

MANIFEST = "files.json"
_OBJECT_STORES = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss")


class FileStore:
    """An fsspec file system and the root folder under it."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        """Open `url` (no request is made yet); an unknown or uninstalled protocol is a setting error."""
        try:
            self.fs, self.root = fsspec.core.url_to_fs(url, **dict(storage_options or {}))
        except (ImportError, ValueError) as exc:
            raise SettingsError("media_files_url", f"{url!r} cannot be opened ({exc})",
                                "use a folder or an s3://, gs:// or az:// URL, with its fsspec "
                                "package installed (s3fs, gcsfs or adlfs)") from None  # fmt: skip
        protocol = self.fs.protocol
        self.protocol = str(protocol[0] if isinstance(protocol, tuple | list) else protocol)
        self.root = self.root.rstrip("/")

    @property
    def object_store(self) -> bool:
        """Whether the place is a bucket (objects, no folders)."""
        return self.protocol in _OBJECT_STORES

    @property
    def container(self) -> str | None:
        """The bucket (or container) of an object store, else None."""
        return self.root.split("/", 1)[0] if self.object_store else None

    def path(self, key: str) -> str:
        """The full path of a key."""
        return f"{self.root}/{key}"

    def url(self, key: str) -> str:
        """Where a stored file is, as its URL (`s3://bucket/prefix/key`) or local path."""
        return f"{self.protocol}://{self.path(key)}" if self.object_store else self.path(key)

    def manifest(self, folder: str) -> dict[str, dict[str, Any]]:
        """The manifest of a media folder (empty when there is none or it cannot be read)."""
        try:
            with self.fs.open(self.path(posixpath.join(folder, MANIFEST)), "rb") as handle:
                found = json.load(handle)
        except (FileNotFoundError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def stored(self, entry: Mapping[str, Any]) -> bool:
        """Whether the manifest entry's object is there, with its size."""
        try:
            return int(self.fs.size(self.path(str(entry["key"])))) == int(entry["size"])
        except (FileNotFoundError, KeyError, TypeError, ValueError):
            return False

    def put_file(self, local: str, key: str, mimetype: str) -> None:
        """Copy a local file (streamed) to `key`."""
        self._parent(key)
        self.fs.put_file(local, self.path(key), **self._type(mimetype))

    def put_bytes(self, data: bytes, key: str, mimetype: str) -> None:
        """Write small content to `key`."""
        self._parent(key)
        self.fs.pipe_file(self.path(key), data, **self._type(mimetype))

    def write_manifest(self, folder: str, manifest: Mapping[str, Any]) -> None:
        """Write a media folder's manifest (after its files)."""
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        self.put_bytes(data, posixpath.join(folder, MANIFEST), "application/json")

    def _parent(self, key: str) -> None:
        if not self.object_store:
            self.fs.makedirs(posixpath.dirname(self.path(key)), exist_ok=True)

    def _type(self, mimetype: str) -> dict[str, str]:
        return {"ContentType": mimetype} if self.protocol in ("s3", "s3a") else {}
