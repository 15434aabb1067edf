"""Demo data for the deals side: pipelines, custom fields, deals, notes and a linked file.

:func:`seed_deal_account` runs for every sandbox (a Nimble account starts with a default deal
pipeline); :func:`seed_deals` adds the demo records, after the contacts side's seed (deals link its
people). Both are deterministic: dates are relative to the sandbox clock. A deal's overdue
activities are the contacts side's tasks linked to it; none are seeded, so that the task list the
contacts side seeds stays as it is.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ._deal_pipelines import custom_fields, new_deal_pipeline
from ._deals import CLOSE_DATE, NOTES, create_deal
from ._state import SandboxState, iso_millis

__all__ = ["seed_deal_account", "seed_deals"]

Record = dict[str, Any]


def seed_deal_account(state: SandboxState) -> None:
    """The default deal pipeline, and a second user without admin rights."""
    for user_id, user in state.users.items():
        if user_id != state.me_id:
            user["permissions"] = ["api use"]  # no pipeline management, no private deals
    new_deal_pipeline(
        state,
        {
            "name": "Sales",
            "description": "New business",
            "color": "#1e88e5",
            "lost_reasons": ["Price", "Lost to competitor", "No decision"],
            "stages": [
                {"name": "Qualification", "expected_days": 14, "default_probability": 10},
                {"name": "Proposal", "expected_days": 10, "default_probability": 40},
                {"name": "Negotiation", "expected_days": 7, "default_probability": 70},
            ],
            "fields_tab_members": [],
            "default_currency": "USD",
        },
        is_default=True,
    )


def seed_deals(state: SandboxState) -> None:
    """Deals across both demo pipelines, with history, notes and a linked file."""
    partners = new_deal_pipeline(
        state,
        {
            "name": "Partnerships",
            "description": "Reseller and integration partners",
            "color": "#8e24aa",
            "lost_reasons": ["No strategic fit"],
            "stages": [
                {"name": "Intro", "expected_days": 21},
                {"name": "Pilot", "expected_days": 30, "default_probability": 50},
            ],
            "fields_tab_members": [
                {
                    "name": "Source",
                    "field_type": {
                        "field_kind": "choice",
                        "values": {
                            "ordering_type": "ordinal",
                            "values": [
                                {"id": "inbound", "value": "Inbound"},
                                {"id": "outbound", "value": "Outbound"},
                                {"id": "referral", "value": "Referral"},
                            ],
                        },
                    },
                    "presentation": None,
                },
                {"name": "Seats", "field_type": {"field_kind": "number"}, "presentation": {"number_type": "integer"}},
                {
                    "group_name": "Contract",
                    "logo_id": "1",
                    "fields": [
                        {
                            "name": "Renewal date",
                            "field_type": {"field_kind": "datetime"},
                            "presentation": {"date_format": None, "ignore_specific_time": True},
                        }
                    ],
                },
            ],
            "default_currency": "EUR",
        },
    )
    sales = next(p for p in state.table("deal_pipelines").values() if p["is_default"])
    me, other = state.me_id, next((u for u in state.users if u != state.me_id), state.me_id)
    contacts = {_contact_name(c): c["id"] for c in state.table("contacts").values()}
    now = state.now()
    last_month = now.replace(day=1, hour=10, minute=0, second=0, microsecond=0) - timedelta(days=10)
    source = next(fid for fid, f in custom_fields(partners).items() if f["field_name"] == "Source")
    seats = next(fid for fid, f in custom_fields(partners).items() if f["field_name"] == "Seats")

    plan: list[tuple[Record, str, str, int, str, int, list[str], list[str]]] = [
        (sales, "Qualification", "Acme Corp - CRM rollout", 12000, me, 3, ["enterprise"], ["Zoë Durand"]),
        (sales, "Qualification", "Umbrella Health - pilot", 4000, other, 20, ["healthcare"], ["Priya Patel"]),
        (sales, "Proposal", "Globex - 50 seats", 25000, me, 12, ["enterprise", "renewal"], ["Jane Smith"]),
        (sales, "Proposal", "Initech - onboarding", 6500, other, 5, [], ["Mei Chen"]),
        (sales, "Negotiation", "Nordic Timber - annual plan", 18000, me, 30, ["europe"], ["Lars Eriksson"]),
        (sales, "Won", "Analytical Engines - expansion", 30000, me, 60, ["enterprise"], ["Ada Lovelace"]),
        (sales, "Won", "Compiler Works - starter", 3000, other, 45, [], ["Grace Hopper"]),
        (sales, "Lost", "Sahara Solar - field team", 9000, me, 50, [], ["Fatima Zahra"]),
        (partners, "Intro", "Bletchley Labs - integration", 0, me, 8, ["partner"], ["Alan Turing"]),
        (partners, "Pilot", "Initech - reseller pilot", 15000, other, 25, ["partner", "europe"], ["Omar Haddad"]),
    ]
    admin = state.users[me]
    made: dict[str, Record] = {}
    for pipeline, stage_name, name, amount, owner, age, tags, people in plan:
        stage = next(s for s in pipeline["stages"] if s["name"] == stage_name)
        start = next(s for s in pipeline["stages"] if not s["role"]["is_final"])
        values: dict[str, list[dict[str, str]]] = {"name": [{"value": name}], "amount": [{"value": str(amount)}]}
        if pipeline is partners:
            values[source] = [{"value": "referral" if "reseller" in name else "inbound"}]
            values[seats] = [{"value": "25"}]
            values["probability"] = [{"value": "20"}]  # "Intro" has no default probability
        deal = create_deal(
            state,
            {
                "fields_values": values,
                "pipeline_id": pipeline["pipeline_id"],
                "stage_id": start["stage_id"],
                "owner_id": owner,
                "tags": tags,
                "related_contacts": [{"contact_id": contacts[p], "note": None} for p in people if p in contacts],
            },
            admin,
        )
        created = now - timedelta(days=age)
        deal["created"] = deal["updated"] = deal["stage_entered"] = deal["transitions"][0]["when"] = iso_millis(created)
        if stage is not start:
            moved = last_month if stage_name == "Won" else created + timedelta(days=age // 2)
            deal["transitions"].append(
                {"from": start["stage_id"], "to": stage["stage_id"], "who": owner, "when": iso_millis(moved)}
            )
            deal["stage_id"], deal["stage_entered"] = stage["stage_id"], iso_millis(moved)
            if stage["role"]["is_final"]:
                deal["before_final_stage_id"] = start["stage_id"]
                deal["values"][CLOSE_DATE] = [iso_millis(moved)]
        made[name] = deal

    # A private deal: only its owner (the second user) may see it; the admin sees it by permission.
    private = made["Initech - onboarding"]
    private["privacy"] = {
        "read": {"user_ids": [other], "group_ids": []},
        "edit": {"user_ids": [other], "group_ids": []},
    }

    globex = made["Globex - 50 seats"]
    for title, body in (
        ("Pricing call", "Asked for a 10% discount on 50 seats."),
        ("Security review", "Sent the questionnaire; answer expected next week."),
    ):
        note_id = state.new_id()
        state.table(NOTES)[note_id] = {
            "note_id": note_id,
            "deal_id": globex["deal_id"],
            "title": title,
            "body": body,
            "created": globex["created"],
            "updated": globex["created"],
            "creator_id": me,
        }
    globex["files"].append(
        {
            "file_id": state.new_id(),
            "file_name": "Globex proposal.pdf",
            "file_size": 48213,
            "uploaded_at": globex["created"],
            "uploader_id": me,
            "metadata": {
                "source": "google_drive",
                "file_url": "https://drive.example/globex-proposal.pdf",
                "icon_url": "https://drive.example/pdf.png",
            },
            "blob_id": None,
            "token": "seeded-link-file",
        }
    )


def _contact_name(contact: Record) -> str:
    fields = contact["fields"]

    def first(name: str) -> str:
        values = fields.get(name) or []
        return str(values[0]["value"]) if values else ""

    return first("company name") or f"{first('first name')} {first('last name')}".strip()
