import io
import uuid

import pytest
from PIL import Image

from tests.factories import auth, make_resident


def jpeg_bytes(width=800, height=600, orientation=None, gps=None, colour=(200, 80, 40)):
    """A JPEG, optionally with EXIF orientation, GPS and a camera make (personal metadata)."""
    image = Image.new("RGB", (width, height), colour)
    # A marker in the top-left corner lets tests check the served photo is upright.
    image.paste((0, 0, 0), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        lat, lng = gps
        gps_ifd = {1: "N", 2: dms(lat), 3: "E", 4: dms(lng)}
        exif[0x8825] = gps_ifd
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def dms(value):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (degrees, minutes, seconds)


def upload(client, user, data, filename="photo.jpg", headers=None):
    return client.post("/api/v1/uploads", data={"file": (io.BytesIO(data), filename)},
                       headers=headers or auth(user), content_type="multipart/form-data")


def report_body(world, photo_ids, category_code="E0102", cell=None, **extra):
    return {"category_code": category_code, "description": "小区门口垃圾堆积",
            "location": world.location(cell or world.cell_a), "photo_ids": photo_ids, **extra}


def submit(client, user, body, key=None, headers=None):
    headers = {**(headers or auth(user)), "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/api/v1/reports", json=body, headers=headers)


@pytest.fixture
def resident(world):
    return make_resident(openid="o-reporter-1")


@pytest.fixture
def photo_id(client, resident):
    return upload(client, resident, jpeg_bytes()).json["id"]
