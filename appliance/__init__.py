"""Offline speech appliance: a phone agent that runs entirely on the PBX box."""

from appliance.config.threads import apply_process_env

__version__ = "0.1.0"

# Native libraries (OpenMP, OpenBLAS) read their thread settings once, when they load; this
# package is imported before any of them, so their pools are told not to spin from the start
# (appliance/config/threads.py).
apply_process_env()
