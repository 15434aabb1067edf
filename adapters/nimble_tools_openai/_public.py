"""What the ``nimble_tools_openai`` package offers, gathered for its lazy ``__getattr__``."""

from ._strict import DecodeError, Strictified, decode, public_schema, strictify
from ._toolset import OpenAIToolset, emit_openai, loose_schema, openai_tools
from ._validate import AZURE_LIMITS, OPENAI_LIMITS, StrictLimits, Violation, check_strict_schema

__all__ = [
    "AZURE_LIMITS",
    "OPENAI_LIMITS",
    "DecodeError",
    "OpenAIToolset",
    "StrictLimits",
    "Strictified",
    "Violation",
    "check_strict_schema",
    "decode",
    "emit_openai",
    "loose_schema",
    "openai_tools",
    "public_schema",
    "strictify",
]
