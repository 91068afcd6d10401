"""Reading a TOML file the user edits, with one clear line for every way it can be wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from appliance.config.errors import ConfigError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed file; ``what`` names it in errors ("config file", "agent.prompts_file:")."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc}") from None
