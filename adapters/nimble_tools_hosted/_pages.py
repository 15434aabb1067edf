"""The consent pages: plain server-rendered HTML, no script, no build step.

Every value that comes from a client or from Nimble is escaped. Pages carry a strict Content
Security Policy (no script at all, the one inline style allowed by its hash), may not be framed,
send no referrer and are never cached.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

from ._scopes import SCOPE_LABELS

__all__ = ["ErrorPage", "allow_page", "connect_page", "error_page", "home_page"]

_STYLE = """
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5360; --line: #c9d0d8; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: #f3f5f7; }
main { max-width: 34rem; margin: 3rem auto; padding: 2rem; background: #fff; border: 1px solid var(--line);
  border-radius: 10px; }
h1 { font-size: 1.4rem; line-height: 1.3; margin: 0 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p, dl { margin: 0 0 1rem; }
.muted { color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 1rem; padding: .75rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.choice { display: flex; gap: .5rem; align-items: flex-start; margin: .35rem 0; }
.choice input { margin-top: .3rem; width: 1.1rem; height: 1.1rem; }
label.field { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=password] { width: 100%; padding: .6rem; font: inherit; border: 1px solid #6b7785; border-radius: 6px; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; margin-top: 1rem; }
button, a.button { font: inherit; font-weight: 600; padding: .6rem 1.1rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: #fff; text-decoration: none; }
button.secondary, a.button.secondary { background: #fff; color: var(--accent); }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.alert { border-left: 4px solid #b3261e; background: #fdf1f0; padding: .75rem 1rem; margin-bottom: 1rem; }
.or { text-align: center; color: var(--muted); margin: 1.25rem 0 .5rem; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Nimble MCP</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=dict(SECURITY_HEADERS))


def _hidden(csrf: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(csrf)}">'


def _app_facts(client_name: str, redirect_uri: str) -> str:
    host = urlsplit(redirect_uri).netloc or urlsplit(redirect_uri).scheme + ":"
    return f"<dl><dt>App</dt><dd>{escape(client_name)}</dd><dt>Returns to</dt><dd>{escape(host)}</dd></dl>"


def connect_page(
    *,
    request_id: str,
    csrf: str,
    client_name: str,
    redirect_uri: str,
    nimble_oauth: bool,
    problem: str | None = None,
) -> HTMLResponse:
    """Step 1: connect your own Nimble account (sign in with Nimble, or a personal API key)."""
    alert = f'<div class="alert" role="alert">{escape(problem)}</div>' if problem else ""
    sign_in = ""
    if nimble_oauth:
        sign_in = (
            f'<form method="post" action="/consent/{escape(request_id)}/nimble">{_hidden(csrf)}'
            '<button type="submit">Sign in with Nimble</button></form>'
            '<p class="or">or</p>'
        )
    body = (
        f"<h1>Connect your Nimble account to {escape(client_name)}</h1>"
        f"{alert}"
        f"<p>{escape(client_name)} asks to use Nimble on your behalf. It will act as you: it sees and "
        "changes only what your own Nimble user may.</p>"
        f"{_app_facts(client_name, redirect_uri)}"
        '<p class="muted">Only continue if you just started this from that app.</p>'
        f"<h2>Your Nimble account</h2>{sign_in}"
        f'<form method="post" action="/consent/{escape(request_id)}/key">{_hidden(csrf)}'
        '<label class="field" for="api_key">Nimble API key</label>'
        '<p class="muted" id="api_key_help">In Nimble: Settings, then API Token. It is checked with Nimble, '
        "then stored encrypted.</p>"
        '<input type="password" id="api_key" name="api_key" required autocomplete="off" spellcheck="false" '
        'aria-describedby="api_key_help">'
        '<div class="actions"><button type="submit">Connect with this key</button></div></form>'
        f'<form method="post" action="/consent/{escape(request_id)}/decision">{_hidden(csrf)}'
        '<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">'
        "Cancel</button></div></form>"
    )
    return _page(f"Connect Nimble to {client_name}", body, 400 if problem else 200)


def allow_page(
    *,
    request_id: str,
    csrf: str,
    client_name: str,
    redirect_uri: str,
    person_name: str,
    person_email: str,
    scopes: Sequence[str],
) -> HTMLResponse:
    """Step 2: allow this app to act as this Nimble user, with these scopes."""
    who = f"{person_name} ({person_email})" if person_name and person_email else person_name or person_email
    choices = "".join(
        '<div class="choice">'
        f'<input type="checkbox" id="scope-{i}" name="scope" value="{escape(scope)}" checked>'
        f'<label for="scope-{i}">{escape(SCOPE_LABELS.get(scope, scope))}</label></div>'
        for i, scope in enumerate(scopes)
    )
    body = (
        f"<h1>Allow {escape(client_name)} to use Nimble as {escape(who)}?</h1>"
        "<dl>"
        f"<dt>Nimble account</dt><dd>{escape(who)}</dd>"
        "</dl>"
        f"{_app_facts(client_name, redirect_uri)}"
        f'<form method="post" action="/consent/{escape(request_id)}/decision">{_hidden(csrf)}'
        f"<fieldset><legend>What it may do</legend>{choices}</fieldset>"
        '<p class="muted">Untick what you do not want to give. Your administrator can cut this access off '
        "at any time.</p>"
        '<div class="actions">'
        '<button type="submit" name="decision" value="allow">Allow</button>'
        '<button type="submit" name="decision" value="deny" class="secondary">Deny</button>'
        "</div></form>"
        f'<form method="post" action="/consent/{escape(request_id)}/reset">{_hidden(csrf)}'
        '<div class="actions"><button type="submit" class="secondary">Use another Nimble account</button></div>'
        "</form>"
    )
    return _page(f"Allow {client_name}", body)


@dataclass(frozen=True)
class ErrorPage:
    """One failure the person may meet, and what to tell them."""

    title: str
    message: str
    status: int


EXPIRED = ErrorPage(
    "This sign-in link has expired",
    "Sign-in links work once and for 15 minutes. Go back to your app and connect again.",
    410,
)
OTHER_BROWSER = ErrorPage(
    "This sign-in started in another browser",
    "For your safety it can only be finished in the browser it was opened in. Go back to your app and start again.",
    400,
)
FORGED = ErrorPage(
    "This form could not be accepted",
    "It was sent from another page, or it is too old. Go back to your app and start again; nothing was changed.",
    403,
)
DENIED = ErrorPage(
    "Access was denied",
    "You (or Nimble) declined to connect your Nimble account, so the app gets no access.",
    403,
)
NIMBLE_REFUSED = ErrorPage(
    "Nimble refused",
    "Nimble did not accept the connection, so nothing was stored.",
    400,
)
NIMBLE_UNAVAILABLE = ErrorPage(
    "Nimble could not be reached",
    "Nimble did not answer; nothing was stored. Try again in a moment.",
    502,
)
NOT_FOUND = ErrorPage("Page not found", "There is nothing here.", 404)


def error_page(page: ErrorPage, *, detail: str = "", links: Iterable[tuple[str, str]] = ()) -> HTMLResponse:
    """A failure page: what happened, what to do, and where to go (``(label, url)`` links)."""
    extra = f"<p>{escape(detail)}</p>" if detail else ""
    actions = "".join(
        f'<a class="button{" secondary" if i else ""}" href="{escape(url)}">{escape(label)}</a>'
        for i, (label, url) in enumerate(links)
    )
    body = (
        f'<div class="alert" role="alert"><h1>{escape(page.title)}</h1><p>{escape(page.message)}</p>{extra}</div>'
        + (f'<div class="actions">{actions}</div>' if actions else "")
    )
    return _page(page.title, body, page.status)


def home_page(resource_url: str) -> HTMLResponse:
    """What a person sees at the server's root: the address to add in their app."""
    body = (
        "<h1>Nimble MCP server</h1>"
        "<p>Add this address as a remote MCP server (a custom connector) in Claude, ChatGPT, Cursor or your own "
        "agent. The app then sends you here to connect your own Nimble account.</p>"
        f"<p><strong>{escape(resource_url)}</strong></p>"
    )
    return _page("Nimble MCP server", body)
