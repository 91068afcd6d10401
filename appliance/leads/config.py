"""Delivery settings checked at service start: the secret files exist, are private, and read.

``settings.py`` checks the shape of ``[leads]`` whenever the file is loaded; the secrets are
only read here, when the service starts, so other commands (``appliance kb ...``) run as
users who may not read them.  Every failure is one ConfigError line naming the key.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.config.settings import LeadSettings, Settings


@dataclass(frozen=True)
class DeliveryConfig:
    """What the worker needs: the settings, the agent's language, and the secrets read from their files."""

    leads: LeadSettings
    language: str = "en"
    webhook_secret: bytes = b""
    #: (user, password) for SMTP AUTH; None: no AUTH.
    mail_login: tuple[str, str] | None = None
    #: CA bundles, resolved against the config file's folder ("": the system's).
    webhook_ca: str = ""
    mail_ca: str = ""

    @property
    def channels(self) -> tuple[str, ...]:
        return self.leads.channels()


def read_private_file(path: Path, key: str) -> str:
    """The file's text, stripped; refuses a file that group or others may read or write."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{key}: {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{key}: cannot stat {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{key}: {path} is not a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise ConfigError(f"{key}: {path} is mode {mode:04o}; it holds a secret and must be 0600 "
                          f"(chmod 600 {path})")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{key}: {path} is not UTF-8 text") from None
    if not text:
        raise ConfigError(f"{key}: {path} is empty")
    return text


def load_delivery(settings: Settings) -> DeliveryConfig:
    """Read the secrets of the configured channels; raises ConfigError with one clear line."""
    leads = settings.leads
    secret = b""
    if leads.webhook.url:
        secret = read_private_file(settings.resolve(leads.webhook.secret_file), "leads.webhook.secret_file").encode()
    login = None
    if leads.mail.smtp_host and leads.mail.credentials_file:
        key = "leads.mail.credentials_file"
        lines = read_private_file(settings.resolve(leads.mail.credentials_file), key).splitlines()
        if len(lines) != 2 or not lines[0].strip() or not lines[1]:
            raise ConfigError(f"{key}: expected two lines, the user name then the password")
        login = (lines[0].strip(), lines[1].rstrip("\r"))
    cas = []
    for key, ca in (("leads.webhook.ca_file", leads.webhook.ca_file if leads.webhook.url else ""),
                    ("leads.mail.ca_file", leads.mail.ca_file if leads.mail.smtp_host else "")):
        path = str(settings.resolve(ca)) if ca else ""
        if path and not os.access(path, os.R_OK):
            raise ConfigError(f"{key}: cannot read {path}")
        cas.append(path)
    return DeliveryConfig(leads=leads, language=settings.agent.language, webhook_secret=secret, mail_login=login,
                          webhook_ca=cas[0], mail_ca=cas[1])
