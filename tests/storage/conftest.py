"""Fixtures for the storage seam: real photos, images drawn in code, a real S3 server on loopback."""

from __future__ import annotations

import struct
import uuid
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from app.storage import make_storage

RED = (220, 20, 20)
BLUE = (40, 90, 160)


# ---------------------------------------------------------------- images


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def jpeg_bytes() -> bytes:
    return encode(Image.new("RGB", (640, 480), BLUE), "JPEG")


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    return encode(Image.new("RGB", (300, 200), BLUE), "PNG")


@pytest.fixture(scope="session")
def webp_bytes() -> bytes:
    return encode(Image.new("RGB", (320, 240), BLUE), "WEBP")


@pytest.fixture(scope="session")
def gif_bytes() -> bytes:
    return encode(Image.new("P", (16, 16)), "GIF")


@pytest.fixture(scope="session")
def transparent_png_bytes() -> bytes:
    """Fully transparent except an opaque red square in the middle."""
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    image.paste((*RED, 255), (150, 50, 250, 150))
    return encode(image, "PNG")


def camera_exif(*, orientation: int, lat_ref: str, lng_ref: str) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS Test"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = lat_ref
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(30), IFDRational(44), IFDRational(2400, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = lng_ref
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(121), IFDRational(20), IFDRational(3120, 100))
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 09:30:00"
    return exif


@pytest.fixture(scope="session")
def camera_jpeg():
    """Builds a camera JPEG at 30°44'24" 121°20'31.2" (near 朱泾镇) with a Make tag.

    The stored top-left quarter is red, so tests can tell which way is up.
    """

    def build(size=(4000, 3000), *, orientation=1, lat_ref="N", lng_ref="E", **save_params) -> bytes:
        image = Image.new("RGB", size, BLUE)
        image.paste(RED, (0, 0, size[0] // 2, size[1] // 2))
        exif = camera_exif(orientation=orientation, lat_ref=lat_ref, lng_ref=lng_ref)
        return encode(image, "JPEG", quality=90, exif=exif, comment=b"secret note", **save_params)

    return build


@pytest.fixture(scope="session")
def phone_photo_bytes(camera_jpeg) -> bytes:
    """A 12-MP photo stored sideways (orientation 6): upright, the red quarter is top-right."""
    return camera_jpeg((4000, 3000), orientation=6)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


@pytest.fixture(scope="session")
def png_header_only():
    """Builds a PNG that declares a size but carries no pixel data at all."""

    def build(width: int, height: int) -> bytes:
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
        return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")

    return build


# ---------------------------------------------------------------- real photos (tests/data/photos/README.md)

PHOTOS = Path(__file__).parents[1] / "data" / "photos"


def sample(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


@pytest.fixture(scope="session")
def nikon_photo() -> bytes:
    """A real Nikon COOLPIX P6000 JPEG, 640×480, with EXIF GPS and an EXIF thumbnail."""
    return sample("jpg_gps_DSCN0012.jpg")


@pytest.fixture(scope="session")
def colormatch_png() -> bytes:
    """A real RGBA PNG tagged with the ColorMatch RGB profile, orientation 3 in XMP."""
    return sample("xmp_tags_orientation.png")


def mp4_box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def motion_photo(jpeg: bytes) -> bytes:
    """What a Google Pixel saves as a Motion Photo: the JPEG, then an MP4 after its EOI."""
    video = (mp4_box(b"ftyp", b"mp42\x00\x00\x00\x00isommp42")
             + mp4_box(b"mdat", b"\xff\xd8\xff\xd9 frame " * 500)
             + mp4_box(b"moov", b"\x00" * 100))
    return jpeg + video


def s15_fixed16(*values: float) -> bytes:
    return b"".join(struct.pack(">i", round(value * 65536)) for value in values)


def icc_profile(colour_space: bytes, tags: dict[bytes, bytes]) -> bytes:
    """A minimal ICC v2 display profile: a 128-byte header, the tag table, the tags."""
    table, body = b"", b""
    start = 128 + 4 + 12 * len(tags)
    for signature, tag in tags.items():
        tag += b"\x00" * (-len(tag) % 4)
        table += signature + struct.pack(">II", start + len(body), len(tag))
        body += tag
    header = (struct.pack(">I", start + len(body)) + b"\x00" * 4 + b"\x02\x10\x00\x00" + b"mntr"
              + colour_space + b"XYZ " + b"\x00" * 12 + b"acsp" + b"\x00" * 28
              + s15_fixed16(0.9642, 1.0, 0.8249) + b"\x00" * 48)
    return header + struct.pack(">I", len(tags)) + table + body


@pytest.fixture(scope="session")
def linear_grey_profile() -> bytes:
    """A grey profile with gamma 1.0: its mid grey (128) is sRGB 188, so conversion shows."""
    description = b"Linear grey\x00"
    return icc_profile(b"GRAY", {
        b"desc": b"desc" + b"\x00" * 4 + struct.pack(">I", len(description)) + description + b"\x00" * 78,
        b"wtpt": b"XYZ " + b"\x00" * 4 + s15_fixed16(0.9642, 1.0, 0.8249),
        b"kTRC": b"curv" + b"\x00" * 4 + struct.pack(">IH", 1, 0x0100),  # one entry: gamma 1.0
    })


# ---------------------------------------------------------------- storage backends


@pytest.fixture
def local_storage(tmp_path):
    return make_storage({"STORAGE_BACKEND": "local", "UPLOAD_DIR": str(tmp_path / "uploads")})


@pytest.fixture
def s3_storage(s3_config):
    return make_storage(s3_config)


@pytest.fixture
def unique_key():
    """Keys unique per test, since the S3 bucket is shared by the whole session."""

    def make(prefix: str) -> str:
        return f"{prefix}/{uuid.uuid4()}"

    return make
