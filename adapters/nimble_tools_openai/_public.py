"""What the ``nimble_tools_openai`` package offers (its ``__all__``), gathered for its lazy ``__getattr__``."""

# Re-exports by design: the package's __getattr__ serves these names from this module.
from ._strict import DecodeError, Strictified, decode, public_schema, strictify  # noqa: F401
from ._toolset import OpenAIToolset, emit_openai, loose_schema, openai_tools  # noqa: F401
from ._validate import AZURE_LIMITS, OPENAI_LIMITS, StrictLimits, Violation, check_strict_schema  # noqa: F401
