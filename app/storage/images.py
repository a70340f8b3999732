"""Photo checks for the web process and re-encoding for the worker.

The only module that imports Pillow. The web process calls ``inspect_image``,
which reads headers and byte signatures but never decodes pixels (DESIGN.md §2);
the worker calls ``make_derivatives``, which decodes once at reduced scale and
writes metadata-free JPEGs.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO
from types import MappingProxyType

from PIL import ExifTags, Image, ImageCms

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType({"large": 1280, "thumb": 320})
DEFAULT_QUALITY = 82

CONTENT_TYPES = MappingProxyType({"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_IEND_CHUNK = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_EOI = b"\xff\xd9"
_WHITE = (255, 255, 255)
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
    _refuse_truncated(data, image_format)
    return ImageInfo(image_format, width, height, CONTENT_TYPES[image_format])


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


def _refuse_truncated(data: bytes, image_format: str) -> None:
    """Cheap end-of-file checks: an interrupted upload loses its tail first."""
    if not _has_complete_ending(data, image_format):
        raise _truncated_error()


def _has_complete_ending(data: bytes, image_format: str) -> bool:
    if image_format == "JPEG":
        # Some encoders pad the file with zeros after the EOI marker.
        return data.rstrip(b"\x00").endswith(_JPEG_EOI)
    if image_format == "PNG":
        return data.endswith(_PNG_IEND_CHUNK)
    if image_format == "WEBP":
        (riff_size,) = struct.unpack("<I", data[4:8])
        return riff_size + 8 == len(data)
    return False


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
    if image.mode in _RESIZE_FIRST_MODES and "transparency" not in image.info:
        picture = _fit_image(image, longest, resample=LARGE_RESAMPLE)
        return _flatten_to_rgb(_convert_to_srgb(_transpose(picture, orientation), icc_profile))
    picture = _flatten_to_rgb(_convert_to_srgb(_transpose(image, orientation), icc_profile))
    return _fit_image(picture, longest, resample=LARGE_RESAMPLE)


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


def _convert_to_srgb(image: Image.Image, icc_profile: bytes | None = None) -> Image.Image:
    """Phones tag photos with wide-gamut (Display P3) profiles. The profile is
    stripped from derivatives, so convert first or colours come out washed out."""
    icc_profile = icc_profile or image.info.get("icc_profile")
    if not icc_profile or image.mode not in ("RGB", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB") or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile is the sender's problem; keep the pixels as they are


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB on white: transparent PNG areas would otherwise turn black in JPEG."""
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        flat = image.convert("RGB")
    else:
        flat = image
    return flat


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
