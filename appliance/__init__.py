"""Offline speech appliance: a phone agent that runs entirely on the PBX box."""

__version__ = "0.1.0"
