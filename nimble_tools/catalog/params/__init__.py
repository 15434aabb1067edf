"""The catalog's parameter models, one module per catalog module, imported on first use.

Each operation of ``nimble_tools.catalog.<resource>`` names its model here by reference
(``"nimble_tools.catalog.params.<resource>:ClassName"``), so that building the registry defines
none of these some 130 pydantic models; an operation's model is imported the first time its
arguments are validated or its schema is published.
"""
