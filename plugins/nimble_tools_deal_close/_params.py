"""What to close and which file to attach."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit

from nimble_tools_action_support import QUIET_CHECKS
from pydantic import AnyHttpUrl, Field, PrivateAttr, StringConstraints, model_validator

from nimble_tools import NimbleId, Params

__all__ = ["CloseWonParams", "LinkSource"]

LinkSource = Literal["dropbox", "one_drive", "google_drive"]
_HOSTS: dict[str, LinkSource] = {
    "dropbox.com": "dropbox",
    "dropboxusercontent.com": "dropbox",
    "drive.google.com": "google_drive",
    "docs.google.com": "google_drive",
    "onedrive.live.com": "one_drive",
    "1drv.ms": "one_drive",
    "sharepoint.com": "one_drive",
}


def _source_for(host: str) -> LinkSource | None:
    host = host.lower()
    return next((source for suffix, source in _HOSTS.items() if host == suffix or host.endswith("." + suffix)), None)


class CloseWonParams(Params):
    """A deal (or a lead in a contact pipeline) to close as won, with the file that seals it."""

    deal_id: NimbleId | None = Field(default=None, description="The deal.")
    lead_id: NimbleId | None = Field(default=None, description="Or: the lead (a contact).")
    pipeline_id: NimbleId | None = Field(default=None, description="The lead's contact pipeline.")
    file_url: AnyHttpUrl = Field(description="Link to the signed file.")
    # The limit is checked, not published: a file name near 255 characters is not what models write.
    file_name: Annotated[str, StringConstraints(min_length=1, max_length=255), QUIET_CHECKS] | None = Field(
        default=None, description="Name to show; default: the URL's last part."
    )
    source: LinkSource | None = Field(default=None, description="Deals: the link's service; default: from the URL.")

    _source: LinkSource | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> CloseWonParams:
        if bool(self.deal_id) == bool(self.lead_id):
            raise ValueError("give exactly one of deal_id and lead_id")
        if self.lead_id and not self.pipeline_id:
            raise ValueError("lead_id needs pipeline_id: the contact pipeline to exit the lead from")
        if self.deal_id and self.pipeline_id:
            raise ValueError("pipeline_id is for leads; a deal's pipeline is read from the deal")
        self._source = self.source or _source_for(self.file_url.host or "")
        if self.deal_id and self._source is None:
            raise ValueError(
                "Nimble links deal files from Dropbox, OneDrive or Google Drive: the URL's host is none of "
                "these; set source (dropbox, one_drive, google_drive) if the link is one of them"
            )
        if self.file_name is None:
            tail = unquote(urlsplit(str(self.file_url)).path.rstrip("/").rsplit("/", 1)[-1])
            self.file_name = tail or "file"
        return self

    @property
    def link_source(self) -> LinkSource:
        """The link's source (given or read from the host)."""
        assert self._source is not None
        return self._source
