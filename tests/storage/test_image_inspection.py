import struct

import pytest
from PIL import Image

from app.storage.images import ImageInfo, ImageRejected, inspect_image
from tests.storage.conftest import motion_photo, sample


def rejection_code(data: bytes, **options) -> str:
    with pytest.raises(ImageRejected) as caught:
        inspect_image(data, **options)
    assert caught.value.message  # every refusal tells the user something readable
    return caught.value.code


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("jpeg_bytes", ImageInfo("JPEG", 640, 480, "image/jpeg")),
        ("png_bytes", ImageInfo("PNG", 300, 200, "image/png")),
        ("webp_bytes", ImageInfo("WEBP", 320, 240, "image/webp")),
    ],
)
def test_jpeg_png_and_webp_are_accepted_with_their_dimensions(request, fixture, expected):
    assert inspect_image(request.getfixturevalue(fixture)) == expected


def test_a_text_file_is_not_an_image_whatever_its_name_says():
    assert rejection_code(b"just some notes, saved as photo.jpg\n") == "not_an_image"


def test_an_empty_upload_is_not_an_image():
    assert rejection_code(b"") == "not_an_image"


def test_a_gif_is_an_unsupported_image_type(gif_bytes):
    assert rejection_code(gif_bytes) == "unsupported_image_type"


def test_an_iphone_heic_is_an_unsupported_image_type():
    heic_start = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic"

    assert rejection_code(heic_start + b"\x00" * 64) == "unsupported_image_type"


def test_a_jpeg_cut_in_half_is_truncated(jpeg_bytes):
    assert rejection_code(jpeg_bytes[: len(jpeg_bytes) // 2]) == "image_truncated"


def test_a_jpeg_padded_with_zeros_after_its_end_marker_is_accepted(jpeg_bytes):
    assert inspect_image(jpeg_bytes + b"\x00" * 100).width == 640


def test_a_png_without_its_end_chunk_is_truncated(png_bytes):
    assert rejection_code(png_bytes[:-12]) == "image_truncated"


def test_a_webp_shorter_than_its_riff_size_is_truncated(webp_bytes):
    assert rejection_code(webp_bytes[:-10]) == "image_truncated"


def test_a_jpeg_signature_followed_by_garbage_is_reported_as_damaged():
    assert rejection_code(b"\xff\xd8\xff" + b"garbage" * 10 + b"\xff\xd9") == "image_truncated"


def test_a_png_declaring_200_megapixels_is_refused_from_its_header_alone(png_header_only):
    # No pixel data exists in this file, so refusing it proves nothing was decoded.
    assert rejection_code(png_header_only(20_000, 10_000)) == "image_too_large"


def test_a_png_over_our_limit_but_under_pillows_own_is_still_refused(png_header_only):
    assert rejection_code(png_header_only(8_000, 6_000)) == "image_too_large"


def test_the_caller_can_raise_the_pixel_limit(png_header_only):
    info = inspect_image(png_header_only(8_000, 6_000), max_pixels=50_000_000)

    assert (info.width, info.height) == (8_000, 6_000)


def test_inspecting_leaves_pillows_global_pixel_limit_alone(jpeg_bytes):
    before = Image.MAX_IMAGE_PIXELS

    with pytest.raises(ImageRejected):
        inspect_image(jpeg_bytes, max_pixels=10)

    assert Image.MAX_IMAGE_PIXELS == before


NIKON_INFO = ImageInfo("JPEG", 640, 480, "image/jpeg")


def test_a_motion_photo_is_accepted_as_the_jpeg_before_its_video(nikon_photo):
    assert inspect_image(motion_photo(nikon_photo)) == NIKON_INFO


def test_a_camera_jpeg_with_one_stray_byte_after_its_end_marker_is_accepted(nikon_photo):
    assert inspect_image(nikon_photo + b"\x0a") == NIKON_INFO


def test_a_png_with_data_after_its_end_chunk_is_accepted(colormatch_png):
    assert inspect_image(colormatch_png + b"appended by an uploader").format == "PNG"


def test_a_webp_with_data_after_its_riff_chunk_is_accepted():
    webp = sample("hopper_orientation_2.webp")

    assert inspect_image(webp + b"\x00\x01trailer").format == "WEBP"
