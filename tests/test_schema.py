"""The published schemas are valid 2020-12 and describe every property."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from pipeline.paths import SCHEMA_DIR
from tests.conftest import DEMO


def walk(node, path=""):
    if isinstance(node, dict):
        for name, prop in node.get("properties", {}).items():
            yield f"{path}/properties/{name}", prop
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


@pytest.mark.parametrize("kind", ["cohort", "mobility"])
def test_schema_is_valid_and_every_property_has_a_description(kind):
    schema = json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    undocumented = [path for path, prop in walk(schema) if not prop.get("description")]
    assert not undocumented


def test_demo_files_point_at_the_schemas_and_validate():
    for path in [DEMO / "cohort.json", *(DEMO / "mobilities").glob("*.json")]:
        data = json.loads(path.read_text(encoding="utf-8"))
        schema_path = (path.parent / data["$schema"]).resolve()
        assert schema_path.is_file(), path
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        errors = list(Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
                      .iter_errors(data))
        assert not errors, (path, errors[:3])
