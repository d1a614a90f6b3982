"""What Proficio needs from a CASE package, as a JSON schema (checked before reading it)."""

from __future__ import annotations

from typing import Any

_NODE = {
    "type": "object",
    "required": ["identifier"],
    "properties": {"identifier": {"type": "string", "minLength": 1}},
}
# What Proficio needs from a package, no more: real packages break the official schema in
# places that do not matter here, and must still import.
IMPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["CFDocument"],
    "properties": {
        "CFDocument": {
            "type": "object",
            "required": ["identifier", "title"],
            "properties": {
                "identifier": {"type": "string", "minLength": 1},
                "title": {"type": "string", "minLength": 1},
                "description": {"type": ["string", "null"]},
                "version": {"type": ["string", "null"]},
                "notes": {"type": ["string", "null"]},
            },
        },
        "CFItems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["identifier", "fullStatement"],
                "properties": {
                    "identifier": {"type": "string", "minLength": 1},
                    "fullStatement": {"type": "string"},
                    "abbreviatedStatement": {"type": ["string", "null"]},
                    "humanCodingScheme": {"type": ["string", "null"]},
                    "CFItemType": {"type": ["string", "null"]},
                    "conceptKeywords": {"type": ["array", "null"], "items": {"type": "string"}},
                },
            },
        },
        "CFAssociations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["associationType", "originNodeURI", "destinationNodeURI"],
                "properties": {
                    "associationType": {"type": "string"},
                    "originNodeURI": _NODE,
                    "destinationNodeURI": _NODE,
                    # OpenSALT writes some sequence numbers as strings ("1").
                    "sequenceNumber": {"type": ["integer", "string", "null"]},
                },
            },
        },
        "CFRubrics": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {
                    "CFRubricCriteria": {
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "properties": {
                                "CFItemURI": {"anyOf": [_NODE, {"type": "null"}]},
                                "CFRubricCriterionLevels": {
                                    "type": ["array", "null"],
                                    "items": {
                                        "type": "object",
                                        "properties": {"score": {"type": ["number", "null"]}},
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
    },
}
