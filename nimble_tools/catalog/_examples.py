"""Made-up record ids for the operations' examples (``Operation.example``): well formed, never real."""

from __future__ import annotations

__all__ = ["ID", "ID2", "ID3"]

ID = "5f0c1e2d3a4b5c6d7e8f9012"
ID2 = "5f0c1e2d3a4b5c6d7e8f9013"
ID3 = "5f0c1e2d3a4b5c6d7e8f9014"
