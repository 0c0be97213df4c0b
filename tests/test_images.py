"""Image upload and serving: content checks, limits, thumbnails, and no way out of the image folder."""

from __future__ import annotations

import io
import os
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from PIL import Image

from conftest import add_user, bearer, login
from makermatrix_edge.errors import NotFound
from makermatrix_edge.inventory.images import ImageStore, UnsupportedImage
from makermatrix_edge.services import Services

MB20 = 20 * 1024 * 1024
CACHE = "public, max-age=31536000, immutable"
UPLOAD = "/api/utility/upload_image"
GET = "/api/utility/get_image/"


@pytest.fixture
def images(services: Services) -> ImageStore:
    return services.images


def picture(fmt: str, size: tuple[int, int] = (600, 400), **options: Any) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))  # left red, right blue
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes that claim to be a huge greyscale PNG."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + png_chunk(b"IEND", b"")


def png_of_length(length: int) -> bytes:
    """A valid PNG padded to exactly `length` bytes with a private ancillary chunk."""
    small = picture("PNG", (8, 8))
    end = small.rindex(b"IEND") - 4
    padding = png_chunk(b"prVt", b"\0" * (length - len(small) - 12))
    return small[:end] + padding + small[end:]


def upload(
    client: TestClient[Any], token: str | None, content: bytes, name: str = "x.png", media: str = "image/png"
) -> Any:
    return client.post(UPLOAD, files={"file": (name, content, media)}, headers=bearer(token) if token else {})


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


FORMATS = [("PNG", "png", "image/png"), ("JPEG", "jpg", "image/jpeg"), ("GIF", "gif", "image/gif")]
FORMATS.append(("WEBP", "webp", "image/webp"))


@pytest.mark.parametrize(("fmt", "ext", "media"), FORMATS)
def test_upload_and_get_back_each_format(
    client: TestClient[Any], admin_token: str, images: ImageStore, fmt: str, ext: str, media: str
) -> None:
    content = picture(fmt)
    response = upload(client, admin_token, content, name="photo.bin", media="application/octet-stream")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    data = body["data"]
    uuid.UUID(data["image_id"])
    assert data["image_url"] == f"{GET}{data['image_id']}.{ext}"
    assert (data["content_type"], data["width"], data["height"]) == (media, 600, 400)
    assert files_in(images.folder) == [f"{data['image_id']}.{ext}"]

    for url in (data["image_url"], GET + data["image_id"]):
        served = client.get(url)
        assert served.status_code == 200
        assert served.content == content
        assert served.headers["content-type"] == media
        assert served.headers["cache-control"] == CACHE
        assert served.headers["x-content-type-options"] == "nosniff"


def test_type_comes_from_content_not_name(client: TestClient[Any], admin_token: str) -> None:
    data = upload(client, admin_token, picture("PNG"), name="photo.jpg", media="image/jpeg").json()["data"]
    assert data["content_type"] == "image/png" and data["image_url"].endswith(".png")
    # asked with another extension (a client writing the document's "<id>.<ext>" form), it is still
    # the same picture, served with its true type
    other = client.get(GET + data["image_id"] + ".jpg")
    assert other.status_code == 200 and other.headers["content-type"] == "image/png"


@pytest.mark.parametrize(("fmt", "ext", "media"), FORMATS)
def test_thumbnail_is_small_and_cached(
    client: TestClient[Any], admin_token: str, images: ImageStore, fmt: str, ext: str, media: str
) -> None:
    data = upload(client, admin_token, picture(fmt, (1200, 800))).json()["data"]
    thumb = client.get(data["image_url"], params={"size": "thumb"})
    assert thumb.status_code == 200, thumb.text
    assert thumb.headers["content-type"] == media and thumb.headers["cache-control"] == CACHE
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == fmt and image.size == (256, 171)
    cached = images.thumbs / f"{data['image_id']}.{ext}"
    assert cached.read_bytes() == thumb.content
    before = cached.stat()
    again = client.get(GET + data["image_id"], params={"size": "thumb"})
    assert again.content == thumb.content
    assert (cached.stat().st_ino, cached.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_gif_thumbnail_is_the_first_frame(client: TestClient[Any], admin_token: str) -> None:
    frames = [Image.new("RGB", (500, 500), colour) for colour in ((0, 200, 0), (200, 0, 0))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    data = upload(client, admin_token, out.getvalue()).json()["data"]
    thumb = client.get(data["image_url"], params={"size": "thumb"}).content
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (256, 256)
        assert image.convert("RGB").getpixel((128, 128)) == (0, 200, 0)


def test_jpeg_exif_orientation_is_applied(client: TestClient[Any], admin_token: str) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: the stored left half ends up on top
    data = upload(client, admin_token, picture("JPEG", (600, 300), exif=exif.tobytes())).json()["data"]
    assert (data["width"], data["height"]) == (300, 600)
    thumb = client.get(data["image_url"], params={"size": "thumb"}).content
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.size == (128, 256)
        top = image.convert("RGB").getpixel((64, 20))
        bottom = image.convert("RGB").getpixel((64, 236))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def truncated_jpeg() -> bytes:
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(noisy, "JPEG")
    return noisy.getvalue()[: len(noisy.getvalue()) // 2]


NOT_IMAGES = {
    "text": b"hello, I am not a picture\n" * 20,
    "png header then garbage": b"\x89PNG\r\n\x1a\n" + os.urandom(2000),
    "html in a png": b"<!doctype html><html><script>alert(1)</script></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    "pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "truncated jpeg": truncated_jpeg(),
    "bmp": picture("BMP"),
    "pixel bomb": png_declaring(30000, 30000),
    "over our pixel limit": png_declaring(8000, 6000),
    "empty": b"",
}


@pytest.mark.parametrize("name", NOT_IMAGES)
def test_what_is_not_a_supported_image_is_415_and_not_stored(
    client: TestClient[Any], admin_token: str, images: ImageStore, name: str
) -> None:
    response = upload(client, admin_token, NOT_IMAGES[name])
    assert response.status_code == 415, response.text
    assert response.json()["status"] == "error" and response.json()["data"] is None
    assert files_in(images.folder) == []


def test_twenty_megabytes_is_the_limit(client: TestClient[Any], admin_token: str, images: ImageStore) -> None:
    """Issue 24 point 11: a 48 Mpx phone photo (up to 20 MB) is taken; the refusal says the limit."""
    assert upload(client, admin_token, png_of_length(MB20)).status_code == 200
    stored = files_in(images.folder)
    response = upload(client, admin_token, png_of_length(MB20 + 1))
    assert response.status_code == 413
    assert response.json() == {
        "status": "error",
        "message": "Image is larger than 20 MB",
        "data": None,
        "detail": "Image is larger than 20 MB",
    }
    assert files_in(images.folder) == stored  # no new file, no temp file


def test_a_body_far_over_the_limit_is_refused_early(client: TestClient[Any], admin_token: str) -> None:
    response = upload(client, admin_token, b"\0" * (MB20 + 2 * 1024 * 1024))
    assert response.status_code == 413 and response.json()["status"] == "error"


def test_missing_file_field_is_422_naming_it(client: TestClient[Any], admin_token: str) -> None:
    wrong_name = client.post(
        UPLOAD, files={"image": ("x.png", picture("PNG"), "image/png")}, headers=bearer(admin_token)
    )
    text_field = client.post(UPLOAD, data={"file": "x.png"}, files={"other": ("a", b"1")}, headers=bearer(admin_token))
    for response in (wrong_name, text_field):
        assert response.status_code == 422, response.text
        assert response.json()["message"].startswith("file: ")


def test_upload_needs_parts_write(client: TestClient[Any], admin_token: str) -> None:
    assert upload(client, None, picture("PNG")).status_code == 401
    add_user(client, admin_token, "looker", "viewer")
    assert upload(client, login(client, "looker", "password-123"), picture("PNG")).status_code == 403
    add_user(client, admin_token, "bencher", "user")
    assert upload(client, login(client, "bencher", "password-123"), picture("PNG")).status_code == 200


def test_unknown_images_and_sizes(client: TestClient[Any], admin_token: str) -> None:
    missing = client.get(f"{GET}{uuid.uuid4()}.png")
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    data = upload(client, admin_token, picture("PNG")).json()["data"]
    assert client.get(data["image_url"], params={"size": "huge"}).status_code == 422


def test_no_way_out_of_the_image_folder(
    client: TestClient[Any], admin_token: str, images: ImageStore, services: Services
) -> None:
    secret_file = services.settings.data_dir / "secret.key"
    secret = secret_file.read_bytes()
    data = upload(client, admin_token, picture("PNG")).json()["data"]
    planted = str(uuid.uuid4())
    (images.folder / f"{planted}.png").symlink_to(secret_file)
    (images.folder / f"{planted}.jpg").symlink_to(images.folder / f"{data['image_id']}.png")
    images.thumbs.mkdir(exist_ok=True)
    (images.thumbs / f"{data['image_id']}.png").symlink_to(secret_file)
    attempts = [
        "../secret.key",
        "..%2fsecret.key",
        "..%2f..%2fsecret.key",
        "%2e%2e%2fsecret.key",
        "%2e%2e",
        "..",
        "%2fetc%2fpasswd",
        "%2F" + str(secret_file).lstrip("/").replace("/", "%2F"),
        "..%5csecret.key",
        "..\\secret.key",
        f"{data['image_id']}.exe",
        f"{data['image_id']}.png%00",
        f"{data['image_id']}%00.png",
        f"{data['image_id']}.png%0a",
        data["image_id"].upper() + ".png",
        f"{planted}.png",
        planted,
        f"{planted}.jpg",
    ]
    for attempt in attempts:
        for query in ("", "?size=thumb"):
            response = client.get(GET + attempt + query)
            assert response.status_code == 404, (attempt, query, response.status_code)
            assert secret not in response.content
    thumb = client.get(data["image_url"] + "?size=thumb")  # the planted thumb link is replaced, not followed
    assert thumb.status_code == 200 and secret not in thumb.content
    assert not (images.thumbs / f"{data['image_id']}.png").is_symlink()
    assert secret_file.read_bytes() == secret


FIXED_UUID = "3f2b8c1e-5d4a-4e7b-9c10-2a6f8e9d0b71"  # fixed: parallel test workers must collect the same ids


@pytest.mark.parametrize(
    "ref", ["", "/etc/passwd", "../x", "a\x00b", f"{FIXED_UUID}\n", f" {FIXED_UUID}", f"{FIXED_UUID}.PNG"]
)
def test_store_refuses_anything_but_a_uuid(tmp_path: Path, ref: str) -> None:
    with pytest.raises(NotFound):
        ImageStore(tmp_path).path_for(ref)


def test_store_works_through_a_symlinked_data_dir(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    store = ImageStore(tmp_path / "link" / "images")
    stored = store.save(picture("WEBP"))
    assert store.path_for(stored.image_id) == (store.folder / stored.filename, "image/webp")
    assert store.path_for(stored.filename, thumb=True)[0] == store.thumbs / stored.filename


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ImageStore(tmp_path)

    def crash(*_: Any) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        store.save(picture("PNG"))
    assert files_in(tmp_path) == []


def test_sweep_removes_leftover_temp_files(tmp_path: Path) -> None:
    store = ImageStore(tmp_path)
    stored = store.save(picture("GIF"))
    (tmp_path / ".upload-abc123").write_bytes(b"half")
    assert store.sweep_temp_files() == 1
    assert files_in(tmp_path) == [stored.filename]


def test_store_pixel_limit(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedImage, match="too many pixels"):
        ImageStore(tmp_path, max_pixels=100).save(picture("PNG", (20, 20)))
