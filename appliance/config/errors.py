"""Errors that reach the user as one clear line rather than a traceback."""


class ApplianceError(Exception):
    """A failure the user can act on; the CLI prints its message and exits non-zero."""


class ConfigError(ApplianceError):
    """A bad or missing configuration value, named with where it came from."""


class ModelError(ApplianceError):
    """A model file that is missing, corrupt, or that its engine cannot load."""


class InputError(ApplianceError):
    """Bad input from the user: an unreadable WAV, an empty folder, an unsupported rate."""
