"""`instagram-notify`: send the deliveries that are due from an outbox (for cron or an orchestrator).

    instagram-notify deliver --outbox .instagram-notify/outbox.sqlite
    instagram-notify status --outbox .instagram-notify/outbox.sqlite

The secret comes from `--secret` or `INSTAGRAM_NOTIFY_SECRET`; receivers are the ones each event was
announced for. Retries follow `--schedule` (seconds after the first attempt; default 300,3600,43200).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from instagram_notify.notifier import OUTBOX, SCHEDULE, Notifier, NotifySettings
from instagram_notify.outbox import Outbox


def main(argv: list[str] | None = None) -> int:
    """Run one command; print its counts as JSON."""
    parser = argparse.ArgumentParser(prog="instagram-notify", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("deliver", "send the deliveries due now"),
        ("status", "deliveries per state"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("--outbox", type=Path, default=Path(OUTBOX), help="the outbox file")
    sub.choices["deliver"].add_argument("--secret", default=os.environ.get("INSTAGRAM_NOTIFY_SECRET"),
                                        help="signing secret (default: $INSTAGRAM_NOTIFY_SECRET)")  # fmt: skip
    sub.choices["deliver"].add_argument("--schedule", default=",".join(str(int(s)) for s in SCHEDULE),
                                        help="retry offsets in seconds, comma separated")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.outbox.exists():
        print(f"instagram-notify: no outbox at {args.outbox}", file=sys.stderr)
        return 2
    if args.command == "status":
        print(json.dumps(Outbox(args.outbox).counts()))
        return 0
    try:
        schedule = tuple(float(s) for s in args.schedule.split(",") if s.strip())
    except ValueError:
        print("instagram-notify: --schedule takes seconds, e.g. 300,3600,43200", file=sys.stderr)
        return 2
    settings = NotifySettings(urls=(), secret=args.secret, outbox=args.outbox, schedule=schedule)
    print(json.dumps(Notifier(settings).deliver_due()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
