"""The guided tour that ``make demo`` (``nimble-tools demo``) runs against the embedded sandbox.

One short section per use case. Each section narrates what it does on a console and returns the
facts it found (decisions, counts, ids), which ``nimble-tools demo --json`` prints and the tests
check. The tour is an application of the toolkit, like the notebooks: it lives outside the core
package because it drives the agent frameworks (the MCP client among them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nimble_tools import NimbleToolkit, Result
from nimble_tools._console import Console

__all__ = ["SECTIONS", "Section", "Tour", "run_demo"]


class Tour:
    """A fresh seeded sandbox, and the console the sections narrate on (silent when ``quiet``)."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.toolkit = NimbleToolkit.sandbox()

    @property
    def requests(self) -> int:
        """Requests the sandbox has answered so far."""
        assert self.toolkit.emulator is not None
        return self.toolkit.emulator.request_count

    def say(self, text: str) -> None:
        """A line of narration."""
        if not self.quiet:
            self.console.line(text)

    def outcome(self, text: str) -> None:
        """What a step returned, indented under it."""
        if not self.quiet:
            self.console.line(f"  -> {text}", style="green")

    def call(self, name: str, arguments: Mapping[str, Any], *, show: Iterable[str] = (), **options: Any) -> Result:
        """Call ``name`` through the toolkit, printing the call with the arguments named in ``show``."""
        self.show(name, arguments, show)
        return self.toolkit.call(name, arguments, **options)

    def show(self, name: str, arguments: Mapping[str, Any], show: Iterable[str] = ()) -> None:
        """Print a call with the arguments named in ``show``."""
        shown = [f"{key}={arguments[key]!r}" for key in show if key in arguments]
        if set(arguments) - set(show):
            shown.append("...")
        if not self.quiet:
            self.console.line(f"  {name}({', '.join(shown)})", style="cyan")


@dataclass(frozen=True)
class Section:
    """One use case of the tour."""

    title: str
    about: str
    """One sentence: the problem this shows a solution to."""
    run: Callable[[Tour], dict[str, Any]]
    needs: tuple[str, ...] = ()
    """Operations it uses that a plugin provides: without them the section is skipped, and says so."""


def _sections() -> dict[str, Section]:
    from ._adapters import side_by_side
    from ._use_cases import call_log, closed_won, dedupe, email_draft, provision_fields, safety, tag_sync

    return {
        "dedupe": Section(
            "Dedupe-then-create",
            "An agent told to 'add Ada' must not create a second Ada: find first, create only when absent.",
            dedupe,
            ("nimble_find_or_create_contact",),
        ),
        "call-log": Section(
            "Call-log injection",
            "A phone system reports each call; it lands once as a readable note on the caller's contact.",
            call_log,
            ("nimble_log_call",),
        ),
        "closed-won": Section(
            "Closed-won with a file",
            "'We signed Globex!': attach the contract and move the deal to Won, or leave nothing half done.",
            closed_won,
            ("nimble_close_won_with_file",),
        ),
        "tag-sync": Section(
            "Tag sync",
            "Nimble replaces a contact's whole tag set: add and remove tags without losing the others.",
            tag_sync,
            ("nimble_sync_contact_tags",),
        ),
        "fields": Section(
            "Custom-field provisioning",
            "An integration needs its custom fields: declare them, see the plan, create what is missing.",
            provision_fields,
            ("nimble_provision_custom_fields",),
        ),
        "email-draft": Section(
            "Email draft",
            "An agent writes the follow-up email; a person reviews and sends it from Nimble.",
            email_draft,
            ("nimble_draft_email_to_contact",),
        ),
        "safety": Section(
            "Safety defaults",
            "Bad input never reaches Nimble, and a mass delete waits for a confirmed preview.",
            safety,
        ),
        "adapters": Section(
            "The adapters side by side",
            "One operation, one call path: the same search as a LangChain tool, an OpenAI tool call and an MCP tool.",
            side_by_side,
        ),
    }


SECTIONS: dict[str, Section] = _sections()
"""The tour's sections by name, in the order they run (``nimble-tools demo --only NAME``)."""


def run_demo(
    console: Console | None = None, *, sections: Iterable[str] | None = None, quiet: bool = False
) -> dict[str, Any]:
    """Run the tour (or the named ``sections``) in a fresh sandbox; return each section's facts.

    Args:
        console: where to narrate (default: a new :class:`~nimble_tools._console.Console`).
        sections: names from :data:`SECTIONS` (default: all, in order).
        quiet: narrate nothing; only return the facts.
    """
    tour = Tour(console or Console(), quiet=quiet)
    me = tour.toolkit.call("list_all_nimble_me").result
    tour.say(f"Signed in to the embedded sandbox as {me['name']} <{me['email']}>.")
    targets = tour.toolkit.target_details()
    ready = sorted(name for name, target in targets.items() if target.installed)
    absent = sorted(name for name, target in targets.items() if not target.installed)
    tour.say(
        f"{len(tour.toolkit.operations)} operations, emitted for: {', '.join(ready)}"
        + (f" ({', '.join(absent)}: not installed)" if absent else "")
        + ". Nothing here leaves this process."
    )
    facts: dict[str, Any] = {}
    for name in sections or SECTIONS:
        section = SECTIONS[name]
        if not quiet:
            tour.console.line()
            tour.console.heading(section.title)
        tour.say(section.about)
        missing = [op for op in section.needs if op not in tour.toolkit.operations]
        if missing:
            tour.say(f"  (skipped: {', '.join(missing)} is not installed; pip install 'nimble-tools[all]')")
            facts[name] = {"skipped": missing}
            continue
        before = tour.requests
        facts[name] = {**section.run(tour), "requests": tour.requests - before}
    if not quiet:
        tour.console.line()
        tour.console.note(
            "Next: `nimble-tools list`, `nimble-tools call NAME '{...}' --sandbox`, the notebooks in notebooks/."
        )
    return facts
