"""The names the plugin records under: OpenTelemetry's conventions where one exists, ``nimble.*`` otherwise.

Spans follow the generative-AI conventions for tool execution (``execute_tool {gen_ai.tool.name}``,
kind INTERNAL) and the HTTP client conventions for requests (``{METHOD} {url.template}``, kind
CLIENT). Metric attributes are bounded: operation names come from the registry (``_OTHER`` for a
name nobody registered), adapters from the installed targets, error types from the classes raised.
"""

from __future__ import annotations

from typing import Final

# -- spans: generative-AI tool execution ---------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
EXECUTE_TOOL: Final = "execute_tool"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"  # opt-in: content
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"  # opt-in: content
ERROR_TYPE: Final = "error.type"
OTHER: Final = "_OTHER"

# -- spans: HTTP client ---------------------------------------------------------------------------
HTTP_METHOD: Final = "http.request.method"
HTTP_STATUS: Final = "http.response.status_code"
HTTP_RESEND_COUNT: Final = "http.request.resend_count"
HTTP_RETRY_AFTER: Final = "http.response.header.retry-after"
URL_TEMPLATE: Final = "url.template"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"

# -- nimble-tools' own -------------------------------------------------------------------------------
OPERATION: Final = "nimble.operation"
"""The registered operation a call runs (a view may expose it under another tool name)."""
RESOURCE: Final = "nimble.resource"
ADAPTER: Final = "nimble.adapter"
"""The adapter a model's call came through (``langchain``, ``openai``, ``callables``, ``mcp``), or
``application`` for the application's own calls; steps carry their action's."""
STEP: Final = "nimble.step"
"""True for a call made by another call: a composite action's step, or a preview's count."""
ACCOUNT_HASH: Final = "nimble.account.hash"
ERROR_FIELDS: Final = "nimble.error.fields"
"""The argument fields a validation error names (names only, never their values)."""
HTTP_REQUESTS: Final = "nimble.http.requests"
RETRIES: Final = "nimble.http.retries"
RETRY_IN: Final = "nimble.retry_in"
RATE_LIMIT_WAIT: Final = "nimble.rate_limit.wait"
RATE_LIMIT_SOURCE: Final = "nimble.rate_limit.source"
CONFIRMATION_EVENT: Final = "nimble.confirmation"
CONFIRMATION_OUTCOME: Final = "nimble.confirmation.outcome"
CONFIRMATION_VIA: Final = "nimble.confirmation.via"
OUTCOME: Final = "nimble.outcome"

# -- metrics ---------------------------------------------------------------------------------------
METER_NAME: Final = "nimble_tools"
CALLS: Final = "nimble_tools.calls"
ERRORS: Final = "nimble_tools.errors"
TOOL_DURATION: Final = "gen_ai.execute_tool.duration"
HTTP_DURATION: Final = "http.client.request.duration"
HTTP_RETRIES: Final = "nimble_tools.http.retries"
RATE_LIMIT_WAITS: Final = "nimble_tools.rate_limit.wait"
CONFIRMATIONS: Final = "nimble_tools.confirmations"

TOOL_BUCKETS: Final = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
"""Seconds: the generative-AI conventions' duration buckets."""
HTTP_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
"""Seconds: the HTTP conventions' duration buckets (waits use them too)."""
