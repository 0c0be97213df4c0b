"""Every multipart upload route reads its form fields as text: one that is not UTF-8 is a 400 in words."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.testing import TestClient

from conftest import bearer
from makermatrix_edge.httpkit.body import NOT_UTF8

UPLOAD_ROUTES = [
    "/api/utility/upload_image",
    "/api/utility/backup/restore/upload",
    "/api/scan/image",  # open to viewers
    "/api/import/file",
    "/api/import/preview",
    "/api/csv/import-file",
    "/api/suppliers/config/import",
    "/api/projects/{project_id:str}/bom",
    "/p/{part_id:str}/photo",
    "/p/{part_id:str}/move/scan",
    "/scan",
    "/import",
    "/projects/{project_id:str}/bom",
]
# A part with no filename is a text field; these bytes are not UTF-8 (a file sent without its name).
BODY = b'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\n\xff\xd8\xff\xe0 JFIF\r\n--XX--\r\n'


def multipart_routes(app: Litestar) -> list[str]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            field = handler.parsed_data_field if isinstance(handler, HTTPRouteHandler) else None
            kwarg = field.kwarg_definition if field is not None else None
            if isinstance(kwarg, BodyKwarg) and kwarg.media_type == RequestEncodingType.MULTI_PART:
                found.append(route.path)
    return found


def test_the_list_below_is_every_upload_route(client: TestClient[Any]) -> None:
    assert sorted(multipart_routes(client.app)) == sorted(UPLOAD_ROUTES)


@pytest.mark.parametrize("route", UPLOAD_ROUTES)
def test_a_form_field_that_is_not_utf8_is_a_400_in_words(client: TestClient[Any], admin_token: str, route: str) -> None:
    path = route.replace("{part_id:str}", "0" * 32).replace("{project_id:str}", "0" * 32)
    headers = {**bearer(admin_token), "content-type": "multipart/form-data; boundary=XX"}
    response = client.post(path, content=BODY, headers=headers)
    assert response.status_code == 400, response.text
    if path.startswith("/api/"):
        assert response.json()["message"] == NOT_UTF8
    else:
        assert "is not UTF-8 text" in response.text
    counts = client.get("/api/utility/get_counts", headers=bearer(admin_token)).json()["data"]
    assert counts["parts"] == 0


def test_a_form_sent_to_a_json_route_is_still_told_it_is_not_json(client: TestClient[Any], admin_token: str) -> None:
    files = {"file": ("a.txt", b"x")}
    response = client.post("/api/parts/add_part", files=files, data={"part_name": "x"}, headers=bearer(admin_token))
    assert response.status_code == 422 and "Malformed JSON" in response.json()["message"]


def test_a_login_form_field_that_is_not_utf8_is_a_400(client: TestClient[Any]) -> None:
    body = b'--XX\r\nContent-Disposition: form-data; name="username"\r\n\r\n\xff\xfe\r\n--XX--\r\n'
    headers = {"content-type": "multipart/form-data; boundary=XX"}
    response = client.post("/api/auth/login", content=body, headers=headers)
    assert response.status_code == 400 and response.json()["message"] == NOT_UTF8
