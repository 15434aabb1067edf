"""Parameter models of ``nimble_tools.catalog.drafts``, imported when one of its operations first needs one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..._operation import Params
from ._shared import PagedParams


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(description="Email address.")
    account_type: Literal["email", "mass_mail"] | None = Field(default=None, description="Default email.")

    @field_validator("identifier")
    @classmethod
    def _email(cls, value: str) -> str:
        if "@" not in value or value.strip() != value or " " in value:
            raise ValueError(f"{value!r} is not an email address")
        return value

    def wire(self) -> dict[str, str]:
        return {"account_type": self.account_type or "email", "identifier": self.identifier}


class ListDraftsParams(PagedParams):
    recipients: list[str] | None = Field(default=None, description="Only drafts to these email addresses.")
    sender: str | None = Field(default=None, description="Only drafts from this sending address.")


class CreateDraftParams(Params):
    subject: str | None = Field(default=None, description="Subject line.")
    body: str | None = Field(default=None, description="Message body; HTML allowed.")
    recipients: list[Recipient] | None = Field(default=None, description="To: addresses.")
    cc: list[Recipient] | None = Field(default=None, description="Cc: addresses.")
    bcc: list[Recipient] | None = Field(default=None, description="Bcc: addresses.")
    sender: Recipient | None = Field(default=None, description="Sending account; default: your mailbox.")
    track_opens: bool | None = Field(default=None, description="Track when the message is opened.")
    track_clicks: bool | None = Field(default=None, description="Track link clicks.")

    def wire(self) -> dict[str, object]:
        """Nimble's incomplete message specification."""
        out: dict[str, object] = {}
        if self.subject is not None:
            out["subject"] = self.subject
        if self.body is not None:
            out["body"] = self.body
        for key in ("recipients", "cc", "bcc"):
            people: list[Recipient] | None = getattr(self, key)
            if people is not None:
                out[key] = [p.wire() for p in people]
        if self.sender is not None:
            out["sender"] = self.sender.wire()
        if self.track_opens is not None or self.track_clicks is not None:
            out["tracking_configuration"] = {
                "opens_tracking": bool(self.track_opens),
                "clicks_tracking": bool(self.track_clicks),
            }
        return out
