"""Embeddings of the bundled tools' texts, computed ahead so that the first search need not.

Embedding the catalog's two hundred tool texts takes about three seconds on a laptop core; a search
needs them all. ``tool_vectors.npz`` beside this module holds them for every operation this
repository registers (the catalog and the bundled plugins), keyed by a digest of the model and the
exact text, in half precision (cosine rankings do not move). A text that is not there (a changed
description, another plugin's tool) is embedded when first needed, so a stale file costs time,
never correctness; ``tests/test_tool_search.py`` fails when the file misses a bundled tool's text.

Refresh it after changing a description: ``python -m nimble_tools.tool_search._vectors``.
"""

from __future__ import annotations

import functools
import hashlib
import io
import sys
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["FILE", "digest", "shipped", "write"]

FILE = "tool_vectors.npz"
_MODEL_ID = "all-MiniLM-L6-v2-int8"


def digest(text: str) -> str:
    """The key of a text's embedding: the model and the exact text."""
    return hashlib.sha256(f"{_MODEL_ID}\n{text}".encode()).hexdigest()[:32]


@functools.cache
def _stored() -> dict[str, Any]:
    import numpy as np

    source = resources.files(__package__).joinpath(FILE)
    if not source.is_file():
        return {}
    with np.load(io.BytesIO(source.read_bytes()), allow_pickle=False) as data:
        keys, vectors = data["digests"], data["vectors"]
        return {str(k): v for k, v in zip(keys, vectors, strict=True)}


class _Lookup:
    """Shipped embeddings by text."""

    def __init__(self, stored: dict[str, Any]) -> None:
        self._stored = stored

    def get(self, text: str) -> Any:
        return self._stored.get(digest(text))

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and digest(text) in self._stored


def shipped() -> _Lookup:
    """The embeddings shipped with the package (empty when the file is missing)."""
    return _Lookup(_stored())


def bundled_texts() -> list[str]:
    """Every embedding text of the operations this repository registers (meta-tools excepted)."""
    from .. import NimbleToolkit
    from ..toolsets import META_TAG, resolve
    from ._lexical import embedding_texts

    view = resolve(NimbleToolkit.sandbox(seed=False), None)
    return [text for op in view.values() if META_TAG not in op.tags for text in embedding_texts(op)]


def write(path: Path | None = None) -> Path:
    """Embed :func:`bundled_texts` and write them to ``path`` (default: beside this module)."""
    import numpy as np

    from ._semantic import _model

    texts = sorted(set(bundled_texts()))
    vectors = _model().encode(texts).astype(np.float16)
    target = path or Path(__file__).with_name(FILE)
    np.savez_compressed(target, digests=np.array([digest(t) for t in texts]), vectors=vectors)
    return target


if __name__ == "__main__":
    print(f"wrote {write()}", file=sys.stderr)
