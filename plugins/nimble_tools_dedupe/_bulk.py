"""Bulk import: many leads, few requests, every lead accounted for.

* Leads that share an identity key with an earlier lead of the same import are not looked up
  or created again: they get the earlier lead's contact (``duplicate_of``).
* The rest go in batches: one search finds the existing contacts of a whole batch (``in``/``or``
  queries), then only the leads with no match are created, one request each.
* Batches run with bounded concurrency (threads for the sync call, tasks for the async one).
* A re-run after a crash finds what the first run created, so it creates no duplicate.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from nimble_tools_action_support import (
    BulkReport,
    CallCounter,
    Country,
    Progress,
    ProgressCallback,
    Steps,
    phone_search_forms,
    progress_option,
    run_batches,
    run_batches_async,
)
from pydantic import Field, model_validator

from nimble_tools import CallContext, NimbleAPIError, NimbleToolkit, Params

from ._lead import Lead
from ._match import Decision
from ._steps import search_candidates, settle

__all__ = ["ImportLeadsParams", "ImportProgress", "import_leads", "import_leads_async"]

MAX_QUERY_CHARS = 6000
"""Keep a batch's search query short enough for a URL (it travels in the query string)."""


class ImportLeadsParams(Params):
    leads: list[Lead] = Field(min_length=1, max_length=50_000, description="The people to import.")
    country: Country | None = Field(default=None, description="Default country of the leads' phones.")
    fill_empty: bool = Field(default=False, description="Fill matched contacts' empty fields.")
    batch_size: int = Field(default=50, ge=1, le=200, description="Leads per search request.")
    concurrency: int = Field(default=4, ge=1, le=16, description="Batches at once.")

    @model_validator(mode="before")
    @classmethod
    def _default_country(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("country") and isinstance(data.get("leads"), list):
            data = {
                **data,
                "leads": [
                    {"country": data["country"], **lead} if isinstance(lead, dict) else lead for lead in data["leads"]
                ],
            }
        return data


ImportProgress = Progress
"""What the ``on_progress`` callback receives after each lead (see :class:`~nimble_tools_action_support.Progress`)."""
DECISIONS = ("created", "matched", "ambiguous", "failed")


def plan_import(leads: Sequence[Lead]) -> tuple[list[int], dict[int, int]]:
    """Split leads into representatives and duplicates (index -> index of the first lead it shares a key with)."""
    owner: dict[tuple[str, Any], int] = {}
    representatives: list[int] = []
    duplicate_of: dict[int, int] = {}
    for index, lead in enumerate(leads):
        keys = list(lead.keys().items())
        first = next((owner[key] for key in keys if key in owner), None)
        if first is None:
            representatives.append(index)
        else:
            duplicate_of[index] = first
        for key in keys:
            owner.setdefault(key, index if first is None else first)
    return representatives, duplicate_of


def make_batches(leads: Sequence[Lead], indexes: Sequence[int], size: int) -> list[list[int]]:
    """Groups of at most ``size`` leads whose search query stays under :data:`MAX_QUERY_CHARS`."""
    batches: list[list[int]] = []
    current: list[int] = []
    length = 0
    for index in indexes:
        cost = _query_cost(leads[index])
        if current and (len(current) >= size or length + cost > MAX_QUERY_CHARS):
            batches.append(current)
            current, length = [], 0
        current.append(index)
        length += cost
    if current:
        batches.append(current)
    return batches


def _query_cost(lead: Lead) -> int:
    phones = phone_search_forms(lead.normal_phone) if lead.normal_phone else ()
    parts = [lead.normal_email, *phones, lead.first_name, lead.last_name, lead.company]
    company_branch = 60 if lead.company else 0  # {"and":[{"company_name":{"is":...}},{"names":{"in":[...]}}]}
    return company_branch + sum(len(json.dumps(p)) + 1 for p in parts if p)


def _batch_steps(leads: Sequence[Lead], batch: list[int], report: BulkReport, fill_empty: bool) -> Steps[None]:
    try:
        pool = yield from search_candidates([leads[i] for i in batch])
    except NimbleAPIError as error:
        for index in batch:
            failed = Decision(
                "failed",
                explanation="The lookup failed, so nothing was created for this lead. Run the import again.",
                error=error.for_model(),
            )
            report.record(index, failed.to_dict())
        return
    for index in batch:
        try:
            decision = yield from settle(leads[index], pool, fill_empty=fill_empty)
        except NimbleAPIError as error:
            decision = Decision(
                "failed", explanation="Nimble refused this lead; nothing was created.", error=error.for_model()
            )
        report.record(index, decision.to_dict())


def _finish(params: ImportLeadsParams, report: BulkReport, duplicate_of: dict[int, int], calls: int) -> dict[str, Any]:
    for index, first in sorted(duplicate_of.items()):
        original = report.get(first)
        assert original is not None
        shared = sorted(set(params.leads[index].keys().items()) & set(params.leads[first].keys().items()))
        if original["decision"] in ("created", "matched"):
            decision = Decision(
                "matched",
                original["contact_id"],
                [kind for kind, _ in shared],
                explanation=f"Same person as lead {first} of this import; not looked up or created again.",
            )
        else:
            decision = Decision(
                original["decision"],
                None,
                [],
                original["candidates"],
                explanation=f"Same person as lead {first} of this import, which was {original['decision']}.",
                error=original.get("error"),
            )
        report.record(index, {**decision.to_dict(), "duplicate_of": first})
    return report.to_dict(calls, "leads")


def _prepare(context: CallContext, params: ImportLeadsParams) -> tuple[BulkReport, dict[int, int], list[Any]]:
    report = BulkReport(len(params.leads), DECISIONS, progress_option(context))
    representatives, duplicate_of = plan_import(params.leads)
    batches = [
        functools.partial(_batch_steps, params.leads, batch, report, params.fill_empty)
        for batch in make_batches(params.leads, representatives, params.batch_size)
    ]
    return report, duplicate_of, batches


def handle_import(context: CallContext, params: ImportLeadsParams) -> dict[str, Any]:
    """The sync handler: batches in a bounded thread pool."""
    report, duplicate_of, batches = _prepare(context, params)
    counter = CallCounter()
    run_batches(context, batches, params.concurrency, counter)
    return _finish(params, report, duplicate_of, counter.value)


async def ahandle_import(context: CallContext, params: ImportLeadsParams) -> dict[str, Any]:
    """The async handler: batches as tasks, at most ``concurrency`` at once."""
    report, duplicate_of, batches = _prepare(context, params)
    counter = CallCounter()
    await run_batches_async(context, batches, params.concurrency, counter)
    return _finish(params, report, duplicate_of, counter.value)


def import_leads(
    toolkit: NimbleToolkit,
    leads: Sequence[Lead | dict[str, Any]],
    *,
    on_progress: ProgressCallback | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Import ``leads`` through ``toolkit`` (a :class:`~nimble_tools.NimbleToolkit`); return the report.

    ``options`` are the other arguments of ``nimble_import_leads`` (``fill_empty``, ``country``,
    ``batch_size``, ``concurrency``). ``on_progress`` is called after each lead, from worker threads.
    """
    arguments = {"leads": list(leads), **options}
    result: dict[str, Any] = toolkit.call("nimble_import_leads", arguments, on_progress=on_progress).result
    return result


async def import_leads_async(
    toolkit: NimbleToolkit,
    leads: Sequence[Lead | dict[str, Any]],
    *,
    on_progress: ProgressCallback | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Async twin of :func:`import_leads`."""
    arguments = {"leads": list(leads), **options}
    result = await toolkit.acall("nimble_import_leads", arguments, on_progress=on_progress)
    value: dict[str, Any] = result.result
    return value
