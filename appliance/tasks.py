"""Owned asyncio tasks: the one way a task's owner stops it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and wait until it has finished its clean-up (its own cancellation is
    not an error for the owner; an owner that is itself cancelled meanwhile still is)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
