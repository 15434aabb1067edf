"""Bulk lead import against a naive search-then-create loop, in the sandbox.

Imports N leads, 30% of them already present (written differently: upper-case emails, national
phone formats, name + company only), into a sandbox holding M contacts, and prints requests per
lead and wall time of both strategies, side by side, with their ratios.

    python -m benchmarks.bulk_import            # 2,000 leads into 10,000 contacts
    python -m benchmarks.bulk_import --full     # 10,000 leads into 50,000 contacts (the issue's size)
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from nimble_tools_dedupe import Lead, import_leads
from nimble_tools_dedupe._match import CandidatePool, decide, lookup_query

from nimble_tools import NimbleToolkit, RetryPolicy
from nimble_tools.sandbox import FaultPlan, Sandbox, seed_contacts, synthetic_person

PRESENT_SHARE = 0.3
TARGET_REQUESTS_PER_LEAD = 1.1


def make_leads(count: int, existing_pool: int) -> list[dict[str, Any]]:
    """``count`` leads: 30% people already in the sandbox (varied spellings), the rest new."""
    leads = []
    present = int(count * PRESENT_SHARE)
    for i in range(count):
        if i < present:
            number = (i * 7) % existing_pool
            person = synthetic_person(number)
            style = i % 3
            lead = {"first_name": person["first"], "last_name": person["last"], "company": person["company"]}
            if style == 0:
                lead["email"] = f" {person['email'].upper()}"
            elif style == 1:
                p = person["phone"]
                lead |= {"phone": f"({p[2:5]}) {p[5:8]}-{p[8:]}", "country": "US"}
        else:
            person = synthetic_person(existing_pool + 1_000_000 + i)
            lead = {
                "first_name": person["first"],
                "last_name": person["last"],
                "company": person["company"],
                "email": person["email"],
                "phone": person["phone"],
            }
        leads.append(lead)
    return leads


def fresh(contacts: int, latency: float) -> tuple[Sandbox, NimbleToolkit]:
    box = Sandbox(seed=False)
    seed_contacts(box.state, contacts)
    toolkit = NimbleToolkit.sandbox(emulator=box, retry=RetryPolicy(backoff_base=0))
    toolkit.call("nimble_contacts_contact_ids", {"query": {"email": {"is": "warm@up.example"}}})  # builds the index
    if latency:
        box.inject_faults(FaultPlan(slow=1.0, slow_seconds=latency))  # every answer arrives this late
    return box, toolkit


def naive(toolkit: NimbleToolkit, leads: list[dict[str, Any]]) -> dict[str, int]:
    """One search per lead, then a create when it found nothing: what most scripts do."""
    counts = {"created": 0, "matched": 0, "ambiguous": 0}
    for raw in leads:
        lead = Lead.model_validate(raw)
        found = toolkit.call("list_all_nimble_contacts_search", {"query": lookup_query([lead]), "limit": 100})
        decision = decide(lead, CandidatePool(found.result).for_lead(lead)).decision
        if decision == "create":
            toolkit.call("create_a_nimble_contact", {"fields": lead.contact_fields()})
            decision = "created"
        counts[decision] += 1
    return counts


def measure(label: str, contacts: int, latency: float, leads: list[dict[str, Any]], strategy: Any) -> dict[str, Any]:
    box, toolkit = fresh(contacts, latency)
    before, start = box.request_count, time.perf_counter()
    outcome = strategy(toolkit, leads)
    seconds = time.perf_counter() - start
    requests = box.request_count - before
    return {"label": label, "requests": requests, "seconds": seconds, "per_lead": requests / len(leads), **outcome}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk_import", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's size: 10,000 leads into 50,000 contacts")
    parser.add_argument("--leads", type=int, default=None, help="number of leads (default 2,000; 10,000 with --full)")
    parser.add_argument("--contacts", type=int, default=None, help="contacts already in the sandbox")
    parser.add_argument(
        "--latency-ms", type=float, default=2.0, help="simulated network latency per request (default 2 ms)"
    )
    args, _ = parser.parse_known_args(argv)
    n_leads = args.leads or (10_000 if args.full else 2_000)
    n_contacts = args.contacts or (50_000 if args.full else 10_000)
    leads = make_leads(n_leads, n_contacts)
    latency = args.latency_ms / 1000
    print(
        f"{n_leads:,} leads ({PRESENT_SHARE:.0%} already present) into {n_contacts:,} contacts, "
        f"{args.latency_ms:g} ms simulated latency per request",
        flush=True,
    )

    def bulk(toolkit: NimbleToolkit, leads: list[dict[str, Any]]) -> dict[str, int]:
        report = import_leads(toolkit, leads, batch_size=50, concurrency=4)
        return {k: report[k] for k in ("created", "matched", "ambiguous", "failed")}

    rows = [
        measure("bulk import", n_contacts, latency, leads, bulk),
        measure("naive loop", n_contacts, latency, leads, naive),
    ]
    print(f"{'strategy':<12} {'requests':>9} {'req/lead':>9} {'seconds':>8} {'created':>8} {'matched':>8}")
    for row in rows:
        print(
            f"{row['label']:<12} {row['requests']:>9,} {row['per_lead']:>9.3f} {row['seconds']:>8.2f} "
            f"{row['created']:>8,} {row['matched']:>8,}"
        )
    bulk_row, naive_row = rows
    print(
        f"ratio bulk/naive: requests {bulk_row['requests'] / naive_row['requests']:.2f}, "
        f"wall time {bulk_row['seconds'] / naive_row['seconds']:.2f}"
    )
    ok = bulk_row["per_lead"] <= TARGET_REQUESTS_PER_LEAD
    print(
        f"requests per lead {bulk_row['per_lead']:.3f} (aim <= {TARGET_REQUESTS_PER_LEAD}): {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
