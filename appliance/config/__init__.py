"""Configuration: one TOML file, validated at start."""

from appliance.config.errors import ApplianceError, ConfigError, InputError, ModelError
from appliance.config.settings import Settings, load_settings, settings_from_dict

__all__ = ["ApplianceError", "ConfigError", "InputError", "ModelError", "Settings", "load_settings", "settings_from_dict"]
