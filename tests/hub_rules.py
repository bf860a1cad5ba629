"""Meltano Hub's rules for a plugin definition file (meltano/hub `schemas/plugin_definitions/`), restated.

The Hub validates every `_data/meltano/<type>/<name>/<variant>.yml` against JSON schemas; these are
the parts a definition of ours can break: required keys, the closed set of top-level keys, the
capability and setting-kind vocabularies, the closed set of setting keys and the quality rating.
"""

from __future__ import annotations

from typing import Any

COMMON_KEYS = {"name", "namespace", "variant", "label", "description", "pip_url", "executable",
               "repo", "docs", "logo_url", "hidden", "python", "settings", "settings_group_validation",
               "commands", "requires", "maintenance_status", "quality", "domain_url", "keywords",
               "definition", "next_steps", "settings_preamble", "usage", "prereq",
               "supported_python_versions", "log_parser", "capabilities"}  # fmt: skip
TYPE_KEYS = {
    "extractors": {"metadata", "schema", "select"},
    "loaders": {"dialect", "target_schema"},
}
CAPABILITIES = {
    "extractors": ["properties", "catalog", "discover", "state", "about", "stream-maps",
                   "schema-flattening", "activate-version", "batch", "test", "log-based",
                   "structured-logging"],
    "loaders": ["about", "stream-maps", "activate-version", "batch", "soft-delete", "hard-delete",
                "datatype-failsafe", "record-flattening"],
}  # fmt: skip
SETTING = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"}, "aliases": {"type": "array", "items": {"type": "string"}},
        "label": {"type": "string"}, "value": {}, "placeholder": {"type": "string"},
        "kind": {"enum": ["oauth", "hidden", "password", "date_iso8601", "file", "email", "integer",
                          "options", "object", "array", "boolean", "string", "decimal"]},
        "description": {"type": "string"}, "tooltip": {"type": "string"},
        "documentation": {"type": "string"}, "env": {"type": "string"},
        "value_processor": {"enum": ["upcase_string", "nest_object", "stringify"]},
        "value_post_processor": {"enum": ["upcase_string", "nest_object", "stringify"]},
        "oauth": {"type": "object", "required": ["provider"]},
        "options": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string"}, "value": {"type": "string"}}}},
        "docs": {"type": "string"}, "hidden": {"type": "boolean"}, "sensitive": {"type": "boolean"},
    },
}  # fmt: skip


def schema(plugin_type: str) -> dict[str, Any]:
    """The JSON schema a definition of `plugin_type` (extractors, loaders) must pass."""
    keys = COMMON_KEYS | TYPE_KEYS[plugin_type]
    return {
        "type": "object",
        "required": ["name", "namespace", "variant", "label", "quality"],
        "propertyNames": {"enum": sorted(keys)},
        "properties": {
            "maintenance_status": {"enum": ["active", "beta", "development", "inactive", "unknown"]},
            "quality": {"enum": ["gold", "silver", "bronze", "unknown"]},
            "capabilities": {"type": "array", "items": {"enum": CAPABILITIES[plugin_type]}},
            "keywords": {"type": "array", "items": {"type": "string"}},
            "settings": {"type": "array", "items": SETTING},
            "settings_group_validation": {"type": "array",
                                          "items": {"type": "array", "items": {"type": "string"}}},
            "pip_url": {"type": "string"}, "domain_url": {"type": ["string", "null"]},
        },
    }  # fmt: skip
