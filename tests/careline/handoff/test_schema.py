"""The context package schema: committed, versioned, and what real packages look like."""

import json

import jsonschema
import pytest
from pydantic import ValidationError

from careline.handoff.cli import SCHEMA_FILE, schema_text
from careline.handoff.schemas import SCHEMA_VERSION, ContextPackage
from tests.careline.handoff.builders import package


def test_committed_schema_file_matches_the_models():
    assert SCHEMA_FILE.read_text() == schema_text(), \
        "run `careline handoffs --write-schema` and commit the file"


def test_schema_names_its_version_and_required_fields():
    schema = json.loads(SCHEMA_FILE.read_text())
    # 1.1 and 1.2 only added optional fields and values: older packages still read
    assert schema["properties"]["schema_version"]["enum"] == ["1.0", "1.1", SCHEMA_VERSION]
    for field in ("handoff_id", "idempotency_key", "conversation", "reason", "sentiment",
                  "summary", "priority", "transcript", "understanding", "service"):
        assert field in schema["required"], field


def test_a_built_package_validates_against_the_json_schema():
    document = json.loads(package().json())
    jsonschema.validate(document, json.loads(SCHEMA_FILE.read_text()))
    assert document["schema_version"] == SCHEMA_VERSION


def test_a_package_round_trips_through_json():
    built = package()
    assert ContextPackage.parse_raw(built.json()) == built


def test_a_package_from_a_future_major_version_is_refused():
    document = json.loads(package().json())
    document["schema_version"] = "2.0"
    with pytest.raises(ValidationError):
        ContextPackage.parse_obj(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json.loads(SCHEMA_FILE.read_text()))


def test_unknown_fields_are_refused():
    document = json.loads(package().json())
    document["surprise"] = True
    with pytest.raises(ValidationError):
        ContextPackage.parse_obj(document)
