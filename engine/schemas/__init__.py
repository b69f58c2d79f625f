"""Schema registry logic: inference, EventBridge's discovered-schema layout, versions, validation.

Follows the Amazon EventBridge user guide, "Amazon EventBridge schemas" and "Schema discovery"
(eventbridge/latest/userguide/eb-schema.html): schemas are OpenAPI 3 or JSONSchema Draft4
documents; discovered ones hold an ``AWSEvent`` envelope whose ``detail`` refers to a class
named after the detail-type. Pure: the shell stores what this package decides.
"""
