from datetime import datetime
from io import BytesIO

import pytest
from PIL import Image, ImageCms, ImageStat

from app.storage.images import ImageRejected, make_derivatives

# Must match the GPS written by the camera_jpeg fixture: 30°44'24" N, 121°20'31.2" E.
JINSHAN_LAT = 30.74
JINSHAN_LNG = 121.342
RED_PALETTE_ENTRY = (220, 20, 20)


def opened(jpeg: bytes) -> Image.Image:
    image = Image.open(BytesIO(jpeg))
    image.load()
    return image


def is_reddish(pixel) -> bool:
    red, green, blue = pixel
    return red > 180 and green < 80 and blue < 80


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def phone_derivatives(phone_photo_bytes):
    return make_derivatives(phone_photo_bytes)


def test_a_sideways_12_megapixel_photo_becomes_an_upright_1280_portrait(phone_derivatives):
    large = opened(phone_derivatives.large)

    assert large.size == (960, 1280)
    assert phone_derivatives.large_size == (960, 1280)


def test_the_thumbnail_has_a_longest_side_of_320(phone_derivatives):
    thumb = opened(phone_derivatives.thumb)

    assert max(thumb.size) == 320
    assert thumb.size == phone_derivatives.thumb_size == (240, 320)


def test_the_reported_size_is_the_upright_original(phone_derivatives):
    assert (phone_derivatives.width, phone_derivatives.height) == (3000, 4000)


def test_exif_orientation_is_applied_to_the_pixels(phone_derivatives):
    # Orientation 6 means "rotate 90° clockwise to view": stored top-left goes top-right.
    large = opened(phone_derivatives.large)

    assert is_reddish(large.getpixel((large.width - 20, 20)))
    assert not is_reddish(large.getpixel((20, 20)))


@pytest.mark.parametrize("rendition", ["large", "thumb"])
def test_derivatives_carry_no_metadata_at_all(phone_derivatives, rendition):
    jpeg = getattr(phone_derivatives, rendition)
    image = opened(jpeg)

    assert len(image.getexif()) == 0
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
    assert b"Canon" not in jpeg
    assert b"secret note" not in jpeg


def test_gps_is_read_from_exif_as_signed_decimal_degrees(phone_derivatives):
    lat, lng = phone_derivatives.exif_gps

    assert lat == pytest.approx(JINSHAN_LAT, abs=1e-6)
    assert lng == pytest.approx(JINSHAN_LNG, abs=1e-6)


def test_southern_and_western_references_make_gps_negative(camera_jpeg):
    derivatives = make_derivatives(camera_jpeg((400, 300), lat_ref="S", lng_ref="W"))

    assert derivatives.exif_gps == pytest.approx((-JINSHAN_LAT, -JINSHAN_LNG), abs=1e-6)


def test_the_capture_time_is_read_from_exif(phone_derivatives):
    assert phone_derivatives.taken_at == datetime(2024, 5, 1, 9, 30)


def test_a_photo_without_exif_has_no_gps_and_no_capture_time(jpeg_bytes):
    derivatives = make_derivatives(jpeg_bytes)

    assert derivatives.exif_gps is None
    assert derivatives.taken_at is None


def test_the_same_input_always_gives_the_same_bytes(phone_photo_bytes, phone_derivatives):
    again = make_derivatives(phone_photo_bytes)

    assert again == phone_derivatives


def test_a_transparent_png_is_flattened_onto_white(transparent_png_bytes):
    large = opened(make_derivatives(transparent_png_bytes).large)

    assert large.mode == "RGB"
    assert all(channel > 245 for channel in large.getpixel((5, 5)))
    assert is_reddish(large.getpixel((200, 100)))


def test_a_palette_png_with_a_transparent_colour_is_flattened_onto_white():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, *RED_PALETTE_ENTRY])
    image.paste(1, (16, 16, 48, 48))
    png = encode(image, "PNG", transparency=0)

    large = opened(make_derivatives(png).large)

    assert all(channel > 245 for channel in large.getpixel((2, 2)))
    assert is_reddish(large.getpixel((32, 32)))


def test_webp_uploads_become_jpeg_derivatives(webp_bytes):
    large = opened(make_derivatives(webp_bytes).large)

    assert (large.format, large.size) == ("JPEG", (320, 240))


def test_small_photos_are_never_upscaled(jpeg_bytes):
    derivatives = make_derivatives(jpeg_bytes)

    assert derivatives.large_size == (640, 480)
    assert derivatives.thumb_size == (320, 240)


def test_an_embedded_colour_profile_is_converted_away_not_copied(camera_jpeg):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = camera_jpeg((800, 600), icc_profile=srgb)

    large = opened(make_derivatives(photo).large)

    assert "icc_profile" not in large.info
    assert is_reddish(large.getpixel((20, 20)))


def test_the_worker_enforces_the_pixel_limit_too(phone_photo_bytes):
    with pytest.raises(ImageRejected) as caught:
        make_derivatives(phone_photo_bytes, max_pixels=1_000_000)

    assert caught.value.code == "image_too_large"


def test_the_worker_leaves_pillows_global_pixel_limit_alone(phone_photo_bytes):
    before = Image.MAX_IMAGE_PIXELS

    with pytest.raises(ImageRejected):
        make_derivatives(phone_photo_bytes, max_pixels=1_000_000)

    assert Image.MAX_IMAGE_PIXELS == before


def test_a_truncated_jpeg_is_refused_by_the_worker(phone_photo_bytes):
    with pytest.raises(ImageRejected) as caught:
        make_derivatives(phone_photo_bytes[: len(phone_photo_bytes) // 2])

    assert caught.value.code == "image_truncated"


def test_a_text_file_is_refused_by_the_worker():
    with pytest.raises(ImageRejected) as caught:
        make_derivatives(b"not a photo at all")

    assert caught.value.code == "not_an_image"


# ---------------------------------------------------------------- bit depth and colour profiles


def channel_means(image: Image.Image) -> list[float]:
    return ImageStat.Stat(image).mean


def sixteen_bit(grey: Image.Image) -> Image.Image:
    """The same picture at 16 bits a sample, as a 16-bit greyscale PNG stores it (×257)."""
    return grey.convert("I").point(lambda value: value * 257).convert("I;16")


def in_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
    return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")


def test_a_16_bit_greyscale_png_keeps_the_brightness_of_the_photo_it_was_made_from(nikon_photo):
    grey = Image.open(BytesIO(nikon_photo)).convert("L")
    png = encode(sixteen_bit(grey), "PNG")

    large = opened(make_derivatives(png).large)

    (grey_mean,) = channel_means(grey)
    assert channel_means(large) == pytest.approx([grey_mean] * 3, abs=1.5)


def test_16_bit_grey_levels_map_onto_8_bits_across_the_whole_range():
    gradient = Image.linear_gradient("L")  # 256×256, row y has the value y
    png = encode(sixteen_bit(gradient), "PNG")

    large = opened(make_derivatives(png).large).convert("L")

    for row in (0, 64, 128, 192, 255):
        assert large.getpixel((128, row)) == pytest.approx(row, abs=3)


def test_a_16_bit_greyscale_png_with_a_transparent_grey_is_flattened_onto_white():
    image = Image.new("I", (64, 64), 1000)
    image.paste(40000, (16, 16, 48, 48))
    png = encode(image.convert("I;16"), "PNG", transparency=1000)

    large = opened(make_derivatives(png).large)

    assert all(channel > 245 for channel in large.getpixel((4, 4)))
    assert all(abs(channel - 156) < 4 for channel in large.getpixel((32, 32)))  # 40000/257


@pytest.mark.parametrize(("mode", "black_grey_white"), [
    ("I;16", (0, 32896, 65535)),
    ("I;16B", (0, 32896, 65535)),
    ("I", (0, 32896, 65535)),
    ("F", (0.0, 0.5, 1.0)),
])
def test_every_high_bit_depth_mode_is_scaled_by_the_range_of_its_samples(mode, black_grey_white):
    # JPEG, PNG and WebP never open as most of these modes, so the scaling is called directly.
    from app.storage.images import _to_8_bits

    image = Image.new(mode, (3, 1))
    image.putdata(black_grey_white)

    assert _to_8_bits(image).get_flattened_data() == (0, 128, 255)


def test_an_rgba_png_with_a_colormatch_profile_is_converted_to_srgb(colormatch_png):
    stored = Image.open(BytesIO(colormatch_png))
    expected = in_srgb(stored.convert("RGB"), stored.info["icc_profile"])  # fully opaque

    large = opened(make_derivatives(colormatch_png).large)

    assert channel_means(large) == pytest.approx(channel_means(expected), abs=1.5)
    assert channel_means(large)[2] > channel_means(stored.convert("RGB"))[2] + 10


def test_a_palette_png_with_a_colour_profile_is_converted_to_srgb(nikon_photo, colormatch_png):
    colormatch = Image.open(BytesIO(colormatch_png)).info["icc_profile"]
    palette = Image.open(BytesIO(nikon_photo)).quantize(256)
    png = encode(palette, "PNG", icc_profile=colormatch)

    large = opened(make_derivatives(png).large)

    expected = in_srgb(palette.convert("RGB"), colormatch)
    assert channel_means(large) == pytest.approx(channel_means(expected), abs=1.5)


def test_a_greyscale_jpeg_with_a_grey_profile_is_converted_to_srgb(nikon_photo, linear_grey_profile):
    grey = Image.open(BytesIO(nikon_photo)).convert("L")
    jpeg = encode(grey, "JPEG", quality=95, icc_profile=linear_grey_profile)

    large = opened(make_derivatives(jpeg).large)

    expected = in_srgb(grey, linear_grey_profile)
    assert channel_means(large) == pytest.approx(channel_means(expected), abs=1.5)


def test_a_grey_png_with_alpha_and_a_grey_profile_is_converted_and_flattened_onto_white(
        nikon_photo, linear_grey_profile):
    grey = Image.open(BytesIO(nikon_photo)).convert("L")
    alpha = Image.new("L", grey.size, 0)
    alpha.paste(255, (0, 0, 320, 480))  # the left half opaque, the right half transparent
    png = encode(Image.merge("LA", (grey, alpha)), "PNG", icc_profile=linear_grey_profile)

    large = opened(make_derivatives(png).large)

    expected = in_srgb(grey.crop((0, 0, 320, 480)), linear_grey_profile)
    assert channel_means(large.crop((0, 0, 320, 480))) == pytest.approx(channel_means(expected), abs=1.5)
    assert min(channel_means(large.crop((328, 0, 640, 480)))) > 250
