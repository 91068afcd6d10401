"""Helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import logging

from appliance.config import Settings, load_settings
from appliance.logs import setup_logging


def settings_for(args: argparse.Namespace) -> Settings:
    """Load the config named on the command line (or the defaults) and set up logging."""
    settings = load_settings(getattr(args, "config", None))
    setup_logging(settings.log_level)
    return settings


def quiet_libraries() -> None:
    """Model libraries chatter at INFO; the CLI's own output should stand out."""
    for name in ("faster_whisper", "httpx", "sentence_transformers", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
