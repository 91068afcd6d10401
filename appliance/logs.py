"""Structured logs: one line per event, key=value, with the call id where there is one.

``log_event(logger, "rtp.started", call_id=cid, port=20000)`` writes
``event=rtp.started call_id=... port=20000``; grep and log shippers read it alike.
"""

from __future__ import annotations

import logging
import sys
from typing import Any


def _fmt(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def format_event(event: str, **fields: Any) -> str:
    """The key=value line for an event (fields with None are left out)."""
    parts = [f"event={event}"] + [f"{k}={_fmt(v)}" for k, v in fields.items() if v is not None]
    return " ".join(parts)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event as one structured line."""
    if logger.isEnabledFor(level):
        logger.log(level, format_event(event, **fields))


def setup_logging(level: str = "info") -> None:
    """Timestamped single-line records on stderr; idempotent."""
    root = logging.getLogger()
    if not any(getattr(h, "_appliance", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        handler._appliance = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
