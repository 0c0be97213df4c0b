"""The OpenAPI document declares the error bodies each face really sends (issue 13, item 19)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from conftest import bearer

pytestmark = pytest.mark.shared_app  # these tests only read, or are refused and write nothing


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[1]
        return dict(document["components"]["schemas"][name])
    return schema


def _error_schema(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = document["paths"][path][method]["responses"][status]
    return _resolve(document, response["content"]["application/json"]["schema"])


def _conforms(body: dict[str, Any], schema: dict[str, Any]) -> bool:
    """What a generated client checks: the body has the declared fields, and nothing the schema does not know."""
    return set(schema["required"]) <= body.keys() <= set(schema["properties"])


def test_api_errors_are_declared_as_the_envelope(client: TestClient[Any], admin_token: str) -> None:
    document = client.get("/schema/openapi.json").json()
    schema = _error_schema(document, "/api/parts/add_part", "post", "422")
    assert set(schema["properties"]) == {"status", "message", "data", "detail"}
    refused = client.post("/api/parts/add_part", json={"part_name": ""}, headers=bearer(admin_token))
    assert refused.status_code == 422 and _conforms(refused.json(), schema)
    missing_schema = _error_schema(document, "/api/parts/get_part", "get", "404")
    missing = client.get("/api/parts/get_part", params={"part_id": "nope"}, headers=bearer(admin_token))
    assert missing.status_code == 404 and _conforms(missing.json(), missing_schema)
    # Litestar's own default body is not described anywhere on the faces
    for path, methods in document["paths"].items():
        for operation in methods.values():
            for response in (operation.get("responses") or {}).values():
                content = (response.get("content") or {}).get("application/json")
                if content and path.startswith(("/api", "/alora")):
                    assert "status_code" not in _resolve(document, content["schema"]).get("properties", {}), path


def test_alora_errors_are_declared_as_detail(client: TestClient[Any], admin_token: str) -> None:
    document = client.get("/schema/openapi.json").json()
    path = next(p for p in document["paths"] if p.startswith("/alora/components/"))
    schema = _error_schema(document, path, "get", "404")
    assert set(schema["properties"]) == {"detail"}
    missing = client.get("/alora/components/999999", headers=bearer(admin_token))
    assert missing.status_code == 404 and _conforms(missing.json(), schema)
