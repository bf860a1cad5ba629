"""An event and its envelope, as Filestack's webhooks send them: `{id, action, timestamp, text}`.

An event's id is derived from what happened (the action and its subject), so an event announced
again (a run resumed after a crash, say) is the same event, kept once in the outbox, and a
receiver can drop a replay by its id.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

_NAMESPACE = uuid.UUID("5a0f6c4e-8f2b-4d0e-9d7c-1e6b3a9c2f10")


def event_id(action: str, subject: str) -> str:
    """The stable id of `action` on `subject` (the same every time it is announced)."""
    return str(uuid.uuid5(_NAMESPACE, f"{action}\n{subject}"))


@dataclass(frozen=True)
class Event:
    """One thing that happened: a file stored or converted, a post published or deleted."""

    action: str
    subject: str  # what it happened to: a stored object's URL, a media id
    timestamp: int  # Unix seconds
    text: dict[str, Any]

    @property
    def id(self) -> str:
        """The event's stable id."""
        return event_id(self.action, self.subject)

    def body(self) -> bytes:
        """The envelope as sent."""
        envelope = {
            "id": self.id,
            "action": self.action,
            "timestamp": self.timestamp,
            "text": self.text,
        }
        return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
