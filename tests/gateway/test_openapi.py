"""``/openapi.json``: generated from the registry and the input schemas; every action is an
operation of its own with typed parameters and answers, and the single endpoint is kept."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from actions.gateway.catalogue import grouped
from actions.gateway.openapi import ADMIN_ACTIONS, describe
from actions.gateway.roles import TOKEN_ONLY
from actions.registry import ACTIONS


@pytest.fixture(scope="module")
def spec():
    return describe()


def test_the_route_serves_it_unsigned(client, spec):
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {**json.loads(json.dumps(spec)), "servers": [{"url": "http://localhost"}]}


def test_the_description_is_valid_openapi(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_action_is_an_operation_of_its_own(spec):
    ids = [operation["operationId"] for path in spec["paths"].values()
           for operation in path.values()]
    assert len(ids) == len(set(ids))
    for name in ADMIN_ACTIONS:
        spec_action = ACTIONS[name]
        path = spec["paths"][f"/api/admin/v2/{name}"]
        assert set(path) == {"get", "post"}
        assert path["get"]["operationId"] == name and path["post"]["operationId"] == f"{name}_post"
        assert path["get"]["summary"] == spec_action.doc
        assert path["get"].get("deprecated", False) is (name != spec_action.canonical)
        assert {"hash": []} in path["get"]["security"]


def test_operations_are_tagged_by_resource(spec):
    assert [tag["name"] for tag in spec["tags"]] == list(grouped())
    for group, names in grouped().items():
        for name in set(names) & set(ADMIN_ACTIONS):
            assert spec["paths"][f"/api/admin/v2/{name}"]["get"]["tags"] == [group]


def query_schemas(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema") or parameter["content"]["application/json"][
                    "schema"]
                yield f"{method} {path} {parameter['name']}", schema


def test_every_parameter_has_a_type(spec):
    untyped = [where for where, schema in query_schemas(spec)
               if "type" not in schema and "$ref" not in schema]
    assert untyped == []
    for name, component in spec["components"]["schemas"].items():
        for key, prop in component.get("properties", {}).items():
            assert "type" in prop or name.endswith("_answer") or name in ("Ok", "Error"), (
                name, key)


@pytest.mark.parametrize("name", ADMIN_ACTIONS)
def test_each_operation_takes_its_schemas_parameters(spec, name):
    fields = ACTIONS[name].schema.fields
    get = spec["paths"][f"/api/admin/v2/{name}"]["get"]
    taken = {p["name"]: p["required"] for p in get["parameters"] if p["in"] == "query"}
    expected = {f.data_key or key: f.required for key, f in fields.items()}
    assert {k: v for k, v in taken.items()} == {
        k: v for k, v in expected.items() if k in taken}
    assert set(expected) - set(taken) <= {"attach", "files"}  # uploads: POST multipart only
    body = spec["paths"][f"/api/admin/v2/{name}"]["post"]["requestBody"]["content"]
    uploads = set(expected) & {"attach", "files"}
    # JSON, whose fields a query hash covers; multipart where files go.
    assert list(body) == (["multipart/form-data"] if uploads else ["application/json"])


@pytest.mark.parametrize("name", ADMIN_ACTIONS)
def test_each_operation_answers_its_typed_envelope_or_the_error(spec, name):
    ok = spec["paths"][f"/api/admin/v2/{name}"]["get"]["responses"]["200"]["content"]
    if name == "download":
        assert ok["application/x-download"]["schema"]["format"] == "binary"
        return
    assert ok["application/json"]["schema"]["oneOf"] == [
        {"$ref": f"#/components/schemas/{name}_answer"}, {"$ref": "#/components/schemas/Error"}]
    answer = spec["components"]["schemas"][f"{name}_answer"]
    assert answer["properties"]["status"] == {"type": "string", "enum": ["ok"]}
    assert ok["application/json"]["example"]["status"] == "ok"


def test_field_types_are_written_for_readers(spec):
    post_task = spec["components"]["schemas"]["PostTaskIn"]
    assert post_task["required"] == ["id_project", "title"]
    assert post_task["properties"]["title"] == {"type": ["string", "number"], "maxLength": 500}
    assert post_task["properties"]["id_project"]["type"] == "integer"
    assert post_task["properties"]["email_user_from"]["format"] == "email"
    assert post_task["properties"]["dateend"]["pattern"].startswith(r"^(\d{2}\.")
    assert post_task["properties"]["hidden"]["format"] == "email-list"
    project = spec["components"]["schemas"]["PostProjectIn"]["properties"]
    assert project["options.allow_close"]["type"] == ["integer", "boolean"]
    assert post_task["properties"]["custom_fields"]["type"] == "object"
    get_tasks = spec["components"]["schemas"]["GetTasksIn"]["properties"]
    assert get_tasks["status"]["enum"] == ["active"]
    assert get_tasks["extra"]["description"].startswith("A comma list of: ")


def test_security_schemes_say_how_to_sign(spec):
    schemes = spec["components"]["securitySchemes"]
    assert "`md5(<query string without hash> + <API key>)`" in schemes["hash"]["description"]
    assert "action=<action>&" in schemes["hash"]["description"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert "`/api/admin/v2/<action>`" in spec["info"]["description"]


def test_the_single_endpoint_is_kept(spec):
    schemas = spec["components"]["schemas"]
    dispatch = schemas["ActionParams"]
    assert set(dispatch["discriminator"]["mapping"]) == set(ADMIN_ACTIONS)
    for path, scheme, params in [("/api/admin/v2/", "hash", "ActionParams"),
                                 ("/api/oauth2/", "bearer", "UserActionParams")]:
        get, post = spec["paths"][path]["get"], spec["paths"][path]["post"]
        assert get["parameters"][0]["schema"] == {"$ref": f"#/components/schemas/{params}"}
        assert post["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": f"#/components/schemas/{params}"}
        assert {scheme: []} in get["security"]
    for name in ACTIONS:
        assert schemas[name]["allOf"][1]["properties"]["action"] == {"const": name}


def test_flask_openapi_writes_the_document(app, tmp_path, client):
    out = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(args=["openapi", str(out)])
    assert result.exit_code == 0 and "written to" in result.output
    served = client.get("/openapi.json").get_json()
    assert json.loads(out.read_text()) == {k: v for k, v in served.items() if k != "servers"}
    app.config["PUBLIC_URL"] = "https://tasks.example.com"
    app.test_cli_runner().invoke(args=["openapi", str(out)])
    assert json.loads(out.read_text())["servers"] == [{"url": "https://tasks.example.com"}]


def test_the_user_token_actions_are_offered_only_where_they_run(spec):
    for name in TOKEN_ONLY:
        assert f"/api/admin/v2/{name}" not in spec["paths"]
        assert {"$ref": f"#/components/schemas/{name}"} not in spec["components"]["schemas"][
            "ActionParams"]["oneOf"]
        assert {"$ref": f"#/components/schemas/{name}"} in spec["components"]["schemas"][
            "UserActionParams"]["oneOf"]
    for params in ("ActionParams", "UserActionParams"):
        assert spec["components"]["schemas"][params]["type"] == "object"


def test_only_writes_take_an_idempotency_key(spec):
    for name in ADMIN_ACTIONS:
        for operation in spec["paths"][f"/api/admin/v2/{name}"].values():
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert ("Idempotency-Key" in headers) is ACTIONS[name].writes, name


def test_every_operation_declares_the_refusals_it_can_meet(spec):
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert {"200", "413", "414", "429"} <= set(operation["responses"]), path
    post = spec["paths"]["/api/admin/v2/post_task"]["post"]
    assert "Authorization: Admin" in post["description"]


def test_the_document_names_the_server_it_was_fetched_from(client):
    assert client.get("/openapi.json").json["servers"] == [{"url": "http://localhost"}]
    behind = client.get("/openapi.json", base_url="https://tasks.example.com/taskgate")
    assert behind.json["servers"] == [{"url": "https://tasks.example.com/taskgate"}]


def test_a_wrong_method_answers_the_envelope_with_allow(client):
    answer = client.put("/api/admin/v2/")
    assert answer.status_code == 405 and answer.json["status"] == "error"
    assert set(answer.headers["Allow"].split(", ")) >= {"GET", "POST"}
