import io
import struct
import zlib

from app.core.extensions import db, storage
from app.photos.models import Photo
from tests.factories import make_resident
from tests.reports.conftest import jpeg_bytes, upload


def png_header_claiming(width, height):
    """A PNG whose IHDR claims a huge size; the pixel data is never needed to refuse it."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 10)
    body += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def photo_count():
    return db.session.query(Photo).count()


def test_a_jpeg_upload_is_stored_privately_and_answered_with_201(client, resident):
    answer = upload(client, resident, jpeg_bytes(800, 600))
    assert answer.status_code == 201
    assert answer.json["content_type"] == "image/jpeg"
    assert (answer.json["width"], answer.json["height"]) == (800, 600)
    photo = db.session.get(Photo, answer.json["id"])
    assert photo.original_key.startswith("originals/")
    assert storage.get().exists(photo.original_key)
    assert client.get(f"/media/{photo.original_key}").status_code == 404  # never served


def test_photo_ids_are_opaque_random_strings(client, resident):
    first = upload(client, resident, jpeg_bytes()).json["id"]
    second = upload(client, resident, jpeg_bytes()).json["id"]
    assert len(first) == 32 and first != second


def assert_refused(answer, status, code):
    assert answer.status_code == status, answer.json
    assert answer.json["error"]["code"] == code
    assert photo_count() == 0


def test_a_text_file_named_jpg_is_refused(client, resident):
    assert_refused(upload(client, resident, b"just some text, honestly", "photo.jpg"), 415, "not_an_image")


def test_a_truncated_jpeg_is_refused(client, resident):
    data = jpeg_bytes()
    assert_refused(upload(client, resident, data[: len(data) // 2]), 422, "image_truncated")


def test_a_png_declaring_20000_by_10000_pixels_is_refused_as_a_bomb(client, resident):
    assert_refused(upload(client, resident, png_header_claiming(20000, 10000), "bomb.png"), 422, "image_too_large")


def test_a_20_mb_upload_is_a_json_413(client, resident):
    answer = upload(client, resident, b"\xff\xd8" + b"\0" * (20 * 1024 * 1024))
    assert_refused(answer, 413, "payload_too_large")


def test_a_file_over_the_photo_limit_but_under_the_request_limit_is_a_413(make_app, world):
    app = make_app(PHOTO_MAX_BYTES=1000)
    user = make_resident(openid="o-small")
    answer = upload(app.test_client(), user, jpeg_bytes())
    assert answer.status_code == 413
    assert answer.json["error"]["code"] == "payload_too_large"


def test_a_missing_file_field_is_a_400(client, resident):
    from tests.factories import auth

    answer = client.post("/api/v1/uploads", data={"other": (io.BytesIO(b"x"), "x.jpg")},
                         headers=auth(resident), content_type="multipart/form-data")
    assert_refused(answer, 400, "file_missing")


def test_uploads_need_a_signed_in_user(client, world):
    answer = client.post("/api/v1/uploads", data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                         content_type="multipart/form-data")
    assert answer.status_code == 401


def test_png_and_webp_are_accepted(client, resident):
    from PIL import Image

    for fmt, content_type in (("PNG", "image/png"), ("WEBP", "image/webp")):
        out = io.BytesIO()
        Image.new("RGB", (64, 48), (10, 20, 30)).save(out, fmt)
        answer = upload(client, resident, out.getvalue(), "x.bin")
        assert answer.status_code == 201
        assert answer.json["content_type"] == content_type


def test_the_daily_upload_quota_is_enforced(make_app, world):
    app = make_app(UPLOAD_DAILY_QUOTA=2)
    user = make_resident(openid="o-quota")
    client = app.test_client()
    assert [upload(client, user, jpeg_bytes()).status_code for _ in range(3)] == [201, 201, 429]
