"""``/openapi.json`` and ``/docs``: generated from the registry and the input schemas."""

from __future__ import annotations

import pytest
from markupsafe import escape
from openapi_spec_validator import validate

from actions.registry import ACTIONS


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")  # no signature: the description is public
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_description_is_valid_openapi(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_action_is_described_and_dispatched_by_name(spec):
    schemas = spec["components"]["schemas"]
    dispatch = schemas["ActionParams"]
    assert dispatch["discriminator"]["propertyName"] == "action"
    assert set(dispatch["discriminator"]["mapping"]) == set(ACTIONS)
    assert [one["$ref"].rsplit("/", 1)[1] for one in dispatch["oneOf"]] == sorted(ACTIONS)
    for name, spec_action in ACTIONS.items():
        component = schemas[name]
        assert component["allOf"][1]["properties"]["action"] == {"const": name}
        assert component["description"].startswith(spec_action.doc)
        assert component["x-writes"] is spec_action.writes
        assert component.get("deprecated", False) is (name != spec_action.canonical)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_each_action_has_its_schemas_parameters(spec, name):
    schemas = spec["components"]["schemas"]
    params = schemas[schemas[name]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    fields = ACTIONS[name].schema.fields
    assert set(params.get("properties", {})) == {f.data_key or key for key, f in fields.items()}
    assert set(params.get("required", [])) == {
        f.data_key or key for key, f in fields.items() if f.required}


def test_both_routes_take_every_action_by_get_and_post(spec):
    for path, scheme in [("/api/admin/v2/", "hash"), ("/api/oauth2/", "bearer")]:
        get, post = spec["paths"][path]["get"], spec["paths"][path]["post"]
        assert get["parameters"][0] == {"in": "query", "name": "params", "required": True,
                                        "style": "form", "explode": True,
                                        "schema": {"$ref": "#/components/schemas/ActionParams"}}
        assert post["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ActionParams"}
        assert {scheme: []} in get["security"]
        assert get["parameters"][1]["name"] == "Idempotency-Key"


def test_field_types_come_from_the_schemas(spec):
    post_task = spec["components"]["schemas"]["PostTaskIn"]
    assert post_task["required"] == ["id_project", "title"]
    assert post_task["properties"]["title"]["maxLength"] == 500
    assert post_task["properties"]["id_project"]["type"] == "integer"
    assert post_task["properties"]["email_user_from"]["format"] == "email"
    assert "DD.MM.YYYY" in post_task["properties"]["dateend"]["description"]
    get_tasks = spec["components"]["schemas"]["GetTasksIn"]["properties"]
    assert get_tasks["status"] == {"type": "string", "enum": ["active"], "description":
                                   "One of a fixed set of lowercase words, matched "
                                   "case-insensitively."}
    assert get_tasks["extra"]["description"].startswith("A comma list of: ")


def test_the_docs_page_lists_every_action_with_its_doc(client):
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for name, spec_action in ACTIONS.items():
        assert f'<section id="{name}">' in page
        assert str(escape(spec_action.doc)) in page
    assert "<td>id_project</td><td>integer</td>" in page
    assert "<script" not in page
