"""Where the AP bots find their systems: read from the environment, with devdata defaults.

A citizen developer runs a bot from the desktop with ``devdata/env-*.json`` (the
Robocorp convention: rcc and the VS Code extension load it as environment);
a worker gets the same variables from its machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field

REPO_ROOT = Path(__file__).resolve().parents[1]


# Never in a log: their values (and every AP_*PASSWORD variable) are redacted in log.html.
SECRET_FIELDS = ("erp_password", "portal_password", "imap_password")


class BotSettings(BaseModel):
    erp_url: str = "http://127.0.0.1:8070"
    erp_user: str = "apbot"  # the development ERP's users; never real credentials
    erp_password: str = "apbot-dev"
    portal_url: str | None = None
    portal_user: str = "acme-ap"
    portal_password: str = "portal-dev"
    inbox: Path = REPO_ROOT / "devdata" / "inbox"  # the watched folder
    imap_host: str | None = None
    imap_port: int = 143
    imap_user: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"
    output: Path = REPO_ROOT / "output"
    triage: bool = Field(True, description="classify every mail (inbox triage); off: every "
                         "attachment is taken as a document, as before triage")
    vendor_master: Path | None = Field(None, description="folder with vendors.xlsx that mails "
                                       "are matched against (default: the development ERP's)")
    truth: Path | None = Field(None, description="JSON file of the documents' true fields by "
                               "sha256 (the demo's generated inbox): the report then counts "
                               "wrong postings")
    amount_tolerance: float = Field(0.02, description="share of the PO amount an invoice may "
                                    "exceed it by (2- and 3-way match)")

    @classmethod
    def from_env(cls) -> BotSettings:
        from tasks.run_log import hide_secrets  # before anything here is logged

        hide_secrets(cls.model_fields[name].default for name in SECRET_FIELDS)
        env = os.environ
        values = {
            name: env[f"AP_{name.upper()}"] for name in cls.model_fields
            if f"AP_{name.upper()}" in env
        }
        if "ROBOT_ARTIFACTS" in env and "output" not in values:
            values["output"] = env["ROBOT_ARTIFACTS"]
        return cls.model_validate(values)
