"""Photo checks for the web process and re-encoding for the worker.

The only module that imports Pillow. The web process calls ``inspect_image``,
which reads headers, byte signatures and the file's segment structure but never
decodes pixels (DESIGN.md §2); the worker calls ``make_derivatives``, which decodes
once at reduced scale and writes metadata-free JPEGs.
"""

from __future__ import annotations

import functools
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from io import BytesIO
from types import MappingProxyType

from PIL import ExifTags, Image, ImageCms

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType({"large": 1280, "thumb": 320})
DEFAULT_QUALITY = 82

CONTENT_TYPES = MappingProxyType({"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHUNK_OVERHEAD = 12  # length, type and CRC around each chunk's body
# The next marker: 0xFF followed by anything but a stuffed zero (an 0xFF inside
# entropy-coded data), a restart marker (inside a scan) or another fill 0xFF.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_JPEG_SOI, _JPEG_EOI, _JPEG_SOS, _JPEG_TEM = 0xD8, 0xD9, 0xDA, 0x01
# Far above any real file (a JPEG's ICC profile spans at most 255 segments, PNG encoders
# write IDAT in 8-64 KB chunks) yet it keeps the walk over a hostile file to milliseconds.
_MAX_SEGMENTS = 100_000
_EXIF_DATETIME_FORMAT = "%Y:%m:%d %H:%M:%S"
_ORIENTATIONS_THAT_SWAP_AXES = {5, 6, 7, 8}
_TRANSPOSE_FOR_ORIENTATION = MappingProxyType({  # EXIF Orientation -> what makes it upright
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
})
_RESIZE_FIRST_MODES = {"RGB", "L", "CMYK"}
_GREY_MODES = {"1", "L", "LA", "La"}
# Pillow's "I" is 32-bit, but its readers fill it with 16-bit samples (PNG did until Pillow 10).
_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
# A phone photo reaches the large step as a 1/2-scale draft decode, only ~1.6x bigger:
# BICUBIC there matches LANCZOS on photos (PSNR after encoding within 0.05 dB of it,
# bench/photo_pipeline.py) for ~25 % less time. The thumbnail is a 4x reduction, where a
# box pre-reduce (reducing_gap=2) halves the time for a difference below 0.2 dB.
LARGE_RESAMPLE = Image.Resampling.BICUBIC
THUMB_REDUCING_GAP = 2.0

# Formats people do send (iPhone HEIC, GIF stickers, scanner TIFF) get a clearer
# answer than "not an image".
_OTHER_IMAGE_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


class ImageRejected(Exception):
    """Bad input from a user: ``code`` is a stable snake_case API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "JPEG" | "PNG" | "WEBP"
    width: int  # as stored, before any EXIF rotation
    height: int
    content_type: str
    # Bytes of the image itself: what follows (a Motion Photo's video) is not kept.
    # Not compared: the same picture is the same whatever was appended to it.
    length: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Derivatives:
    large: bytes
    thumb: bytes
    width: int  # the original picture, upright (after EXIF orientation)
    height: int
    large_size: tuple[int, int]
    thumb_size: tuple[int, int]
    exif_gps: tuple[float, float] | None  # (lat, lng) as the camera wrote it: for plausibility checks only
    taken_at: datetime | None  # naive camera-local time unless the camera recorded an offset


# ---------------------------------------------------------------- web process


def inspect_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Accept or refuse an upload from its bytes alone, without decoding pixels."""
    image_format = sniff_format(data)
    with _open_header(data, image_format) as image:
        width, height = image.size
    _refuse_too_many_pixels(width, height, max_pixels)
    end = _image_end(data, image_format)  # refuses an image whose end is missing
    return ImageInfo(image_format, width, height, CONTENT_TYPES[image_format], end)


def sniff_format(data: bytes) -> str:
    """The format the content says it is; file names and client MIME types lie."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(_PNG_SIGNATURE):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    other = _other_image_format(data)
    if other:
        raise ImageRejected(
            "unsupported_image_type",
            f"仅支持 JPEG、PNG、WebP 图片 (unsupported image type: {other})",
        )
    raise ImageRejected("not_an_image", "文件不是图片 (not an image)")


def _other_image_format(data: bytes) -> str | None:
    for signature, name in _OTHER_IMAGE_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "AVIF" if data[8:12].startswith(b"avi") else "HEIC"
    return None


def _open_header(data: bytes, image_format: str) -> Image.Image:
    """Image.open parses the header only; pixels stay undecoded until load()."""
    try:
        return Image.open(BytesIO(data), formats=[image_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own global cap fired before ours could (the warning only
        # arrives as an exception when warnings are configured as errors).
        raise _too_large_error() from None
    except Exception:
        # Pillow's parsers raise a zoo of types on hostile input (SyntaxError,
        # struct.error, OSError...). At this trust boundary all mean "damaged".
        raise _truncated_error() from None


def _refuse_too_many_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise _too_large_error(f"{width}×{height} pixels, limit {max_pixels}")


def _image_end(data: bytes, image_format: str) -> int:
    """Where the image's own bytes end, found from its structure without decoding.

    Decoders stop at the end of the image, so bytes after it do not make it damaged:
    Google's Motion Photos append an MP4, MPO files a second picture, some cameras a
    stray byte or zero padding. An interrupted upload loses its end instead, so an
    image whose end is missing is refused.
    """
    end = _END_FINDERS[image_format](data)
    if end is None:
        raise _truncated_error()
    return end


def _jpeg_end(data: bytes) -> int | None:
    """Just past the EOI marker that closes the picture, walking marker segments by
    their lengths: the EXIF thumbnail inside APP1 carries an EOI of its own. Entropy-
    coded scan data has no length, so the same search for the next marker skips it."""
    position, scanned = 2, False
    for _ in range(_MAX_SEGMENTS):
        found = _JPEG_MARKER.search(data, position)
        if found is None:
            return None
        marker, position = data[found.start() + 1], found.end()
        if marker == _JPEG_EOI:
            return position if scanned else None
        if marker == _JPEG_SOI:  # a new picture began before this one ended
            return None
        if marker != _JPEG_TEM:  # the one other marker without a length
            position = _segment_end(data, position)
            scanned = scanned or marker == _JPEG_SOS
    return None


def _segment_end(data: bytes, start: int) -> int:
    # The length counts its own two bytes; anything shorter would stall the walk.
    length = int.from_bytes(data[start:start + 2], "big")
    return start + max(length, 2)


def _png_end(data: bytes) -> int | None:
    """Just past the IEND chunk, walking chunks by their lengths."""
    position = len(_PNG_SIGNATURE)
    for _ in range(_MAX_SEGMENTS):
        if position + _PNG_CHUNK_OVERHEAD > len(data):
            return None
        length, kind = struct.unpack_from(">I4s", data, position)
        position += _PNG_CHUNK_OVERHEAD + length
        if kind == b"IEND":
            return position if position <= len(data) else None
    return None


def _webp_end(data: bytes) -> int | None:
    """The RIFF header says how long the file is."""
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    return end if end <= len(data) else None


_END_FINDERS = MappingProxyType({"JPEG": _jpeg_end, "PNG": _png_end, "WEBP": _webp_end})


def _truncated_error() -> ImageRejected:
    return ImageRejected("image_truncated", "图片已损坏或不完整 (truncated image)")


def _too_large_error(detail: str = "") -> ImageRejected:
    suffix = f": {detail}" if detail else ""
    return ImageRejected("image_too_large", f"图片像素过多 (image too large{suffix})")


# ---------------------------------------------------------------- worker


def make_derivatives(
    data: bytes,
    *,
    sizes: Mapping[str, int] = DEFAULT_SIZES,
    quality: int = DEFAULT_QUALITY,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Derivatives:
    """Decode once, upright, flatten to RGB, and write metadata-free JPEGs.

    The same input bytes always give the same output bytes, so a job that runs
    twice overwrites a derivative with an identical one.
    """
    if sizes["thumb"] > sizes["large"]:
        raise ValueError("the thumbnail is made from the large rendition, so it cannot be larger")
    image_format = sniff_format(data)
    # Pillow never sees what follows the image (a Motion Photo's video), so none of it
    # can reach a derivative, and an image whose end is missing is refused here too.
    data = data[:_image_end(data, image_format)]
    with _open_header(data, image_format) as image:
        stored_size = image.size
        # Checked again here: the worker must not trust that the web process did.
        _refuse_too_many_pixels(*stored_size, max_pixels)
        _decode_at_reduced_scale(image, longest=sizes["large"])
        exif = image.getexif()
        large_image = _upright_rendition(image, exif.get(ExifTags.Base.Orientation), sizes["large"])
    width, height = _upright_size(stored_size, exif)
    # The thumbnail starts from the large rendition: a quarter of the resampling work.
    thumb_image = _fit_image(large_image, sizes["thumb"], reducing_gap=THUMB_REDUCING_GAP)
    large, thumb = _encode_jpeg(large_image, quality), _encode_jpeg(thumb_image, quality)
    return Derivatives(
        large=large,
        thumb=thumb,
        width=width,
        height=height,
        large_size=large_image.size,
        thumb_size=thumb_image.size,
        exif_gps=read_gps(exif),
        taken_at=read_taken_at(exif),
    )


def _upright_rendition(image: Image.Image, orientation, longest: int) -> Image.Image:
    """Upright, sRGB, flat RGB, longest side at most ``longest``.

    Photos (RGB, greyscale, CMYK without transparency) are resized first, while still
    stored sideways, so rotating and the colour transform work on 1.2 MP rather than
    the 3 MP draft decode: the same picture for a third of the work. Anything with
    transparency or a palette is flattened first, since resizing those would
    resample alpha or fall back to nearest-neighbour.
    """
    icc_profile = image.info.get("icc_profile")
    picture = _to_8_bits(image)
    if picture.mode in _RESIZE_FIRST_MODES and not picture.has_transparency_data:
        picture = _fit_image(picture, longest, resample=LARGE_RESAMPLE)
        return _to_rgb(_convert_to_srgb(_transpose(picture, orientation), icc_profile))
    picture = _convert_to_srgb(_flatten_onto_white(_transpose(picture, orientation)), icc_profile)
    return _fit_image(_to_rgb(picture), longest, resample=LARGE_RESAMPLE)


def _transpose(image: Image.Image, orientation) -> Image.Image:
    """What ImageOps.exif_transpose does to the pixels, from an orientation already read."""
    method = _TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image.transpose(method) if method is not None else image


def _decode_at_reduced_scale(image: Image.Image, *, longest: int) -> None:
    """JPEG draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale: a 12-MP photo
    headed for 1280 px never exists in memory at full size."""
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", _fit_within(image.size, longest))
    try:
        image.load()
    except Exception:
        raise _truncated_error() from None


def _upright_size(stored_size: tuple[int, int], exif: Image.Exif) -> tuple[int, int]:
    width, height = stored_size
    if exif.get(ExifTags.Base.Orientation) in _ORIENTATIONS_THAT_SWAP_AXES:
        return height, width
    return width, height


def _to_8_bits(image: Image.Image) -> Image.Image:
    """High-bit-depth greyscale scaled to 0-255 by the range of its samples: Pillow's
    own conversion clips instead, which turns a 16-bit picture almost all white."""
    if image.mode == "F":
        # Float samples run 0.0-1.0 by convention (no accepted format stores them).
        return image.point(lambda value: value * 255 + 0.5).convert("L")
    if image.mode in _SIXTEEN_BIT_MODES:
        return _sixteen_to_8_bits(image)
    return image


def _sixteen_to_8_bits(image: Image.Image) -> Image.Image:
    samples = image.convert("I")  # exact for every 16-bit layout
    grey = samples.point(_sixteen_to_eight_bit_table(), "L")
    # PNG's transparent grey is a 16-bit value, which no 8-bit value stands for: mask it here.
    grey.info.pop("transparency", None)
    transparent = image.info.get("transparency")
    if transparent is not None:
        grey.putalpha(samples.point([0 if value == transparent else 255 for value in range(65536)], "L"))
    return grey


@functools.cache
def _sixteen_to_eight_bit_table() -> list[int]:
    return [round(value * 255 / 65535) for value in range(65536)]


def _convert_to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Phones tag photos with wide-gamut (Display P3) profiles, and a PNG may carry any
    profile. Derivatives carry none, so convert first or colours come out wrong."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB") or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile is the sender's problem; keep the pixels as they are


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _flatten_onto_white(image: Image.Image) -> Image.Image:
    """L, RGB or CMYK, with transparency composited onto white (JPEG has no alpha and
    transparent areas would turn black). Grey stays grey and CMYK stays CMYK, so the
    picture's own colour profile still fits it."""
    if image.mode == "CMYK":  # JPEG, the only format that stores it, has no alpha
        return image
    flat_mode = "L" if image.mode in _GREY_MODES else "RGB"
    if not image.has_transparency_data:
        return image if image.mode == flat_mode else image.convert(flat_mode)
    with_alpha = image.convert(flat_mode + "A")
    flat = Image.new(flat_mode, image.size, "white")
    flat.paste(with_alpha, mask=with_alpha.getchannel("A"))
    return flat


def _to_rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


def _fit_image(picture: Image.Image, longest: int, *, resample=Image.Resampling.LANCZOS,
               reducing_gap: float | None = None) -> Image.Image:
    target = _fit_within(picture.size, longest)
    if target == picture.size:
        return picture
    return picture.resize(target, resample, reducing_gap=reducing_gap)


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    # JPEG save reads the COM comment from .info (and resize copies .info along),
    # so empty it: nothing from the original may reach a public derivative.
    image.info = {}
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _fit_within(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """Scale so the longest side is ``longest``; never upscale."""
    width, height = size
    scale = longest / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


# ---------------------------------------------------------------- EXIF reading


def read_gps(exif: Image.Exif) -> tuple[float, float] | None:
    """(lat, lng) in signed decimal degrees, or None if absent or nonsense."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None
    lat = _signed_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    lng = _signed_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if lat is None or lng is None or abs(lat) > 90 or abs(lng) > 180:
        return None
    return round(lat, 7), round(lng, 7)


def _signed_degrees(dms, ref, negative_ref: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):  # a zero denominator in a rational reads as NaN
        return None
    return -value if _text(ref).upper() == negative_ref else value


def read_taken_at(exif: Image.Exif) -> datetime | None:
    """When the camera says the photo was taken; a hint, since clocks are often wrong."""
    try:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        exif_ifd = {}
    original = _parse_exif_datetime(exif_ifd.get(ExifTags.Base.DateTimeOriginal))
    if original is None:
        return _parse_exif_datetime(exif.get(ExifTags.Base.DateTime))
    offset = _parse_utc_offset(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal))
    return original.replace(tzinfo=offset) if offset else original


def _parse_exif_datetime(raw) -> datetime | None:
    try:
        return datetime.strptime(_text(raw), _EXIF_DATETIME_FORMAT)
    except ValueError:  # absent, "0000:00:00 00:00:00", or garbage
        return None


def _parse_utc_offset(raw) -> timezone | None:
    text = _text(raw)  # "+08:00"
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        delta = timedelta(hours=int(text[1:3]), minutes=int(text[4:6]))
    except ValueError:
        return None
    return timezone(-delta if text[0] == "-" else delta)


def _text(raw) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "ignore")
    return raw.strip("\x00 ") if isinstance(raw, str) else ""
