"""``python -m nimble_tools_hosted.healthcheck``: exit 0 when the local server answers ``/healthz``.

The container's HEALTHCHECK runs it (the image needs no curl); ``--ready`` asks ``/readyz`` instead,
which also checks that the store answers.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Ask the server on this machine's ``NIMBLE_HOSTED_PORT``; 0 if it is healthy, 1 otherwise."""
    path = "/readyz" if "--ready" in (argv or []) else "/healthz"
    port = os.environ.get("NIMBLE_HOSTED_PORT", "8080")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as answer:  # loopback only
            status = json.load(answer).get("status")
    except (OSError, ValueError) as failure:
        print(f"unhealthy: {failure}", file=sys.stderr)
        return 1
    return 0 if status in ("ok", "ready") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
