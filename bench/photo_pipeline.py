"""ms per photo and peak memory of app.storage.images.make_derivatives on a phone photo.

    .venv/bin/python bench/photo_pipeline.py           # full run (~1 minute)
    .venv/bin/python bench/photo_pipeline.py --quick   # small photo, few repeats: proves it runs

The input is generated here: a 4000x3000 (12 MP) JPEG, quality 92, with gradients,
blotchy scene-like structure, texture and sensor noise so it weighs what a phone
photo weighs (~3-5 MB), and EXIF like a phone writes: Orientation 6 (portrait, held
upright), GPS in Jinshan, DateTimeOriginal + OffsetTimeOriginal, Make/Model.
A second variant also embeds an ICC profile (phones tag Display P3; Pillow can only
build sRGB, so an sRGB profile stands in: the pipeline runs the same colour transform).

Measured, for make_derivatives (the app), a naive pipeline (full decode with
Image.open().load(), exif_transpose, resize to 1280 and to 320 both from the full
image with LANCZOS, no draft; same JPEG encoder settings) and "before", a bench-only
copy of make_derivatives as it was before the speed-ups (rotate and ICC on the draft
decode, LANCZOS, no reducing_gap), with PSNR of each against the naive renditions:
  ms/photo     median wall time of --repeats rounds after a warm-up (pipelines interleaved),
               plus the minimum and the median CPU time; the work is single-threaded (CPU <=
               wall), --pin pins the process to one CPU as well
  peak memory  RSS high-water (VmHWM) of a fresh child that runs the pipeline once,
               minus that of a fresh child that does everything except the big photo
               (same imports, same input bytes read, pipeline warmed on a tiny JPEG);
               median of --mem-runs pairs. tracemalloc cannot see Pillow's C buffers.
Targets: <= 100 ms and <= 50 MB per photo.
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402  (bench/ is on sys.path when run as a script)

TARGET_MS = 100.0
TARGET_MB = 50.0
SIZES = {"large": 1280, "thumb": 320}
QUALITY = 82


# ------------------------------------------------------------------ the photo


def make_phone_jpeg(width, height, *, icc=False, seed=7, quality=92):
    """A JPEG that compresses like a photo, with phone EXIF. Stored landscape, Orientation 6."""
    import numpy as np
    from PIL import ExifTags, Image, ImageCms

    rng = np.random.default_rng(seed)

    def upsampled(h, w, cells_h, cells_w, resample=Image.BICUBIC):
        small = rng.uniform(0, 255, (cells_h, cells_w)).astype(np.uint8)
        return np.asarray(Image.fromarray(small).resize((w, h), resample), dtype=np.float32) - 128

    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    horizon = 0.45 + 0.08 * np.sin(x * 7.0)
    sky = y < horizon
    channels = []
    for c, (sky_rgb, ground_rgb) in enumerate(zip((110, 150, 215), (95, 110, 70))):
        base = np.where(sky, sky_rgb + 60 * (y - horizon), ground_rgb + 40 * (y - horizon))
        scene = upsampled(height, width, 24, 32) * 0.35            # large blotches: buildings, trees
        texture = upsampled(height, width, height // 6, width // 6, Image.BILINEAR) * 0.35  # foliage
        noise = rng.normal(0, 5.0, (height, width)).astype(np.float32)  # sensor noise
        detail = np.where(sky, 0.25, 1.0) * (scene + texture)
        channels.append(np.clip(base + detail + noise + 4 * c, 0, 255).astype(np.uint8))
    image = Image.fromarray(np.dstack(channels), "RGB")

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Xiaomi"
    exif[ExifTags.Base.Model] = "Redmi Note 12"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.DateTime] = "2024:05:18 09:41:27"
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = "2024:05:18 09:41:27"
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 44.0, 28.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 20.0, 31.2)
    extra = {}
    if icc:
        extra["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif, subsampling="4:2:0", **extra)
    return buffer.getvalue()


def tiny_jpeg():
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (120, 130, 140)).save(buffer, "JPEG")
    return buffer.getvalue()


# ------------------------------------------------------------------ the pipelines


def app_pipeline(data):
    from app.storage.images import make_derivatives

    d = make_derivatives(data, sizes=SIZES, quality=QUALITY)
    return d.large, d.thumb


def naive_pipeline(data):
    from PIL import Image, ImageOps

    image = Image.open(BytesIO(data))
    image.load()  # full 12 MP decode
    image = ImageOps.exif_transpose(image).convert("RGB")
    out = []
    for longest in (SIZES["large"], SIZES["thumb"]):
        scale = longest / max(image.size)
        resized = image.resize((round(image.width * scale), round(image.height * scale)),
                               Image.Resampling.LANCZOS)
        buffer = BytesIO()
        resized.save(buffer, "JPEG", quality=QUALITY, optimize=True)
        out.append(buffer.getvalue())
    return tuple(out)


def before_pipeline(data):
    """make_derivatives as it was before the speed-ups (bench-only reference, JPEG/RGB input):
    the same draft decode, then exif_transpose and the ICC transform on the 3 MP decode, LANCZOS
    to 1280, LANCZOS 1280 -> 320 without reducing_gap. Same JPEG encoder settings."""
    from PIL import Image, ImageCms, ImageOps

    image = Image.open(BytesIO(data))
    image.draft("RGB", _fit(image.size, SIZES["large"]))
    image.load()
    picture = ImageOps.exif_transpose(image)
    icc = image.info.get("icc_profile")
    if icc and picture.mode == "RGB":
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        picture = ImageCms.profileToProfile(picture, source, _srgb(), outputMode="RGB")
    large = picture.resize(_fit(picture.size, SIZES["large"]), Image.Resampling.LANCZOS)
    thumb = large.resize(_fit(large.size, SIZES["thumb"]), Image.Resampling.LANCZOS)
    out = []
    for rendition in (large, thumb):
        rendition.info = {}
        buffer = BytesIO()
        rendition.save(buffer, "JPEG", quality=QUALITY, optimize=True)
        out.append(buffer.getvalue())
    return tuple(out)


def _fit(size, longest):
    scale = longest / max(size)
    return size if scale >= 1 else (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


_SRGB = []


def _srgb():
    from PIL import ImageCms

    if not _SRGB:
        _SRGB.append(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")))
    return _SRGB[0]


PIPELINES = {"app": app_pipeline, "naive": naive_pipeline, "before": before_pipeline}
LABELS = {"app": "make_derivatives", "naive": "naive (no draft)", "before": "before (bench ref)"}


# ------------------------------------------------------------------ memory (child processes)


def rss_high_water_kib():
    """Peak RSS of this address space. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent at fork (exec does not reset it), so a child of a big parent reports
    the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_main(mode, pipeline, path):
    """Runs in a fresh interpreter; prints its RSS high-water (KiB) as JSON."""
    import PIL.Image  # noqa: F401  the same imports in both modes
    import PIL.ImageCms  # noqa: F401
    import PIL.ImageOps  # noqa: F401

    import app.storage.images  # noqa: F401

    for warm in PIPELINES.values():  # every pipeline, in both modes: one baseline for all
        warm(tiny_jpeg())  # pages in codec and resampling code, builds cached profiles
    fn = PIPELINES[pipeline]
    data = Path(path).read_bytes()
    before = rss_high_water_kib()
    if mode == "pipeline":
        fn(data)
    print(json.dumps({"maxrss_kib": rss_high_water_kib(), "before_kib": before}))


def child_maxrss(mode, pipeline, path):
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--pipeline", pipeline, "--input", path],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])["maxrss_kib"]


def peak_memory_mib(pipeline, path, runs):
    deltas = []
    for _ in range(runs):
        base = child_maxrss("baseline", pipeline, path)
        full = child_maxrss("pipeline", pipeline, path)
        deltas.append((full - base) / 1024)
    return statistics.median(deltas), deltas


# ------------------------------------------------------------------ timing


def pin_to_one_core():
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity)"


def time_pipelines(data, repeats):
    """{name: (median wall ms, min wall ms, median CPU ms)}. Pipelines take turns, round after
    round, so a burst of load from other processes on a shared machine hits all of them rather
    than one. CPU ms (process_time) is the less load-sensitive figure; CPU <= wall shows the work
    is single-threaded."""
    wall = {name: [] for name in PIPELINES}
    cpu = {name: [] for name in PIPELINES}
    for fn in PIPELINES.values():
        fn(data)  # warm-up
    for _ in range(repeats):
        for name, fn in PIPELINES.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn(data)
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    return {name: (statistics.median(wall[name]), min(wall[name]), statistics.median(cpu[name]))
            for name in PIPELINES}


def stage_breakdown(data, repeats):
    """Where make_derivatives' time goes, re-enacted step by step with the same Pillow calls."""
    from PIL import ExifTags, Image

    from app.storage import images

    stages = {}

    def t(name, fn):
        fn()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - start) * 1000)
        stages[name] = statistics.median(samples)
        return result

    def decode():
        image = Image.open(BytesIO(data))
        image.draft("RGB", images._fit_within(image.size, SIZES["large"]))
        image.load()
        return image

    decoded = t("open + draft decode", decode)
    stages["  (decoded at)"] = decoded.size
    orientation = decoded.getexif().get(ExifTags.Base.Orientation)
    large = t("resize to 1280 (BICUBIC)", lambda: images._fit_image(decoded, SIZES["large"],
                                                                   resample=images.LARGE_RESAMPLE))
    upright = t("transpose (EXIF orientation)", lambda: images._transpose(large, orientation))
    srgb = t("ICC -> sRGB (if profile)", lambda: images._convert_to_srgb(upright, decoded.info.get("icc_profile")))
    thumb = t("resize 1280 -> 320 (gap 2)", lambda: images._fit_image(srgb, SIZES["thumb"],
                                                                      reducing_gap=images.THUMB_REDUCING_GAP))
    t("encode large (optimize)", lambda: images._encode_jpeg(srgb.copy(), QUALITY))
    t("encode thumb (optimize)", lambda: images._encode_jpeg(thumb.copy(), QUALITY))
    t("read EXIF GPS + time", lambda: (images.read_gps(decoded.getexif()), images.read_taken_at(decoded.getexif())))
    return stages


# ------------------------------------------------------------------ checks


def check_output(data, width, height):
    """The app's derivatives: right sizes, upright, metadata read, nothing leaked. Returns problems."""
    import numpy as np
    from PIL import Image

    from app.storage.images import make_derivatives

    d = make_derivatives(data, sizes=SIZES, quality=QUALITY)
    problems = []
    if (d.width, d.height) != (height, width):  # Orientation 6 swaps the axes
        problems.append(f"upright size {d.width}x{d.height}, expected {height}x{width}")
    want_large = (round(height * SIZES['large'] / width), SIZES["large"])
    if d.large_size != want_large or max(d.thumb_size) != SIZES["thumb"]:
        problems.append(f"derivative sizes {d.large_size} {d.thumb_size}, expected {want_large} and 320 long side")
    if d.exif_gps is None or abs(d.exif_gps[0] - 30.741250) > 1e-5 or abs(d.exif_gps[1] - 121.342) > 1e-5:
        problems.append(f"exif_gps {d.exif_gps}")
    if d.taken_at is None or d.taken_at.isoformat() != "2024-05-18T09:41:27+08:00":
        problems.append(f"taken_at {d.taken_at}")
    for name, blob in (("large", d.large), ("thumb", d.thumb)):
        with Image.open(BytesIO(blob)) as im:
            if im.getexif() or "icc_profile" in im.info or "exif" in im.info:
                problems.append(f"{name} derivative carries metadata")
    # PSNR of each pipeline's (JPEG-encoded) large and thumb against the ideal renditions: the full
    # 12 MP decode, upright, LANCZOS straight to each size, not encoded. Comparing with the naive
    # pipeline's *encoded* output instead would reward pipelines whose JPEG noise resembles it.
    def pixels(blob):
        return np.asarray(Image.open(BytesIO(blob)).convert("RGB"), dtype=np.float64)

    def psnr(x, y):
        if x.shape != y.shape:
            return float("nan")
        return 10 * math.log10(255 ** 2 / max(float(np.mean((x - y) ** 2)), 1e-12))

    from PIL import ImageOps

    full = ImageOps.exif_transpose(Image.open(BytesIO(data))).convert("RGB")
    ideal_large = np.asarray(full.resize(d.large_size, Image.Resampling.LANCZOS), dtype=np.float64)
    ideal_thumb = np.asarray(full.resize(d.thumb_size, Image.Resampling.LANCZOS), dtype=np.float64)
    del full
    before_large, before_thumb = before_pipeline(data)
    naive_large, naive_thumb = naive_pipeline(data)
    if Image.open(BytesIO(before_thumb)).size != d.thumb_size:
        problems.append("the before pipeline's thumbnail size differs")
    if make_derivatives(data, sizes=SIZES, quality=QUALITY) != d:
        problems.append("not deterministic: a second run gave other bytes")
    quality = {name: (psnr(pixels(large), ideal_large), psnr(pixels(thumb), ideal_thumb))
               for name, (large, thumb) in (("app", (d.large, d.thumb)), ("before", (before_large, before_thumb)),
                                            ("naive", (naive_large, naive_thumb)))}
    return problems, d, quality


# ------------------------------------------------------------------ main


def machine():
    import PIL
    from PIL import features

    turbo = features.check_feature("libjpeg_turbo")
    return harness.machine(f"Pillow {PIL.__version__} (libjpeg-turbo: {turbo})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small photo, few repeats")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--mem-runs", type=int, default=3)
    parser.add_argument("--pin", action="store_true",
                        help="pin to one CPU (the work is single-threaded anyway; on a shared machine "
                             "pinning can trap the run on the busy core)")
    parser.add_argument("--child", choices=["baseline", "pipeline"], help=argparse.SUPPRESS)
    parser.add_argument("--pipeline", choices=list(PIPELINES), help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child, args.pipeline, args.input)
        return 0
    width, height = (4000, 3000)
    if args.quick:
        width, height, args.repeats, args.mem_runs = 1600, 1200, 3, 1

    print(f"machine: {machine()}")
    print(f"date:    {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; "
          f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    images_py = ROOT / "app" / "storage" / "images.py"
    print(f"subject: app/storage/images.py, {images_py.stat().st_size} bytes, modified "
          f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(images_py.stat().st_mtime))} UTC")
    print(f"timing:  {pin_to_one_core() if args.pin else 'single-threaded, not pinned'}; median of {args.repeats} rounds after a warm-up, pipelines interleaved")

    variants = {}
    t = time.perf_counter()
    variants["phone JPEG"] = make_phone_jpeg(width, height)
    variants["phone JPEG + ICC"] = make_phone_jpeg(width, height, icc=True)
    print(f"inputs:  {width}x{height} ({width * height / 1e6:.0f} MP) q92 4:2:0, Orientation 6, GPS, "
          f"DateTimeOriginal; generated in {time.perf_counter() - t:.1f}s")

    ok = True
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, data in variants.items():
            path = os.path.join(tmp, label.replace(" ", "_").replace("+", "") + ".jpg")
            Path(path).write_bytes(data)
            problems, d, psnr = check_output(data, width, height)
            ok = ok and not problems
            print(f"\n{label}: {len(data) / 1e6:.2f} MB -> large {d.large_size[0]}x{d.large_size[1]} "
                  f"{len(d.large) / 1e3:.0f} kB, thumb {d.thumb_size[0]}x{d.thumb_size[1]} {len(d.thumb) / 1e3:.1f} kB; "
                  f"gps {d.exif_gps}, taken_at {d.taken_at.isoformat() if d.taken_at else None}")
            print(f"  check: {'OK' if not problems else 'FAILED: ' + '; '.join(problems)}; "
                  f"PSNR vs ideal renditions (full decode, LANCZOS, not encoded), large / thumb: "
                  f"make_derivatives {psnr['app'][0]:.2f} / {psnr['app'][1]:.2f} dB, "
                  f"before {psnr['before'][0]:.2f} / {psnr['before'][1]:.2f}, "
                  f"naive {psnr['naive'][0]:.2f} / {psnr['naive'][1]:.2f}")
            result = {"label": label, "mb": len(data) / 1e6}
            timings = time_pipelines(data, args.repeats)
            for name in PIPELINES:
                ms, ms_min, cpu_ms = timings[name]
                mem, mem_all = peak_memory_mib(name, path, args.mem_runs)
                result[name] = {"ms": ms, "ms_min": ms_min, "cpu": cpu_ms, "mib": mem, "mib_all": mem_all}
            rows.append(result)
            try:  # uses images.py's private helpers, which may change under us
                breakdown = stage_breakdown(data, max(3, args.repeats // 3))
            except Exception as exc:  # noqa: BLE001
                print(f"    (stage breakdown unavailable: {exc!r})")
                continue
            for stage, value in breakdown.items():
                shown = f"{value[0]}x{value[1]}" if isinstance(value, tuple) else f"{value:6.1f} ms"
                print(f"    {stage:<28} {shown}")

    print()
    header = (f"{'input':<18} {'MB':>5}  {'pipeline':<18} {'ms/photo':>9} {'min':>6} {'cpu ms':>7} {'peak MiB':>9} "
              f"{'vs naive (time, mem)':>21} {'≤100 ms':>8} {'≤50 MB':>7}")
    print(header)
    print("-" * len(header))
    for r in rows:
        for name in PIPELINES:
            m, n = r[name], r["naive"]
            label = LABELS[name]
            ratio = (f"{n['ms'] / m['ms']:.1f}x, " + (f"{n['mib'] / m['mib']:.1f}x" if m["mib"] > 0.5 else "n/a")
                     if name != "naive" else "1x, 1x")
            ms_ok = "yes" if m["ms"] <= TARGET_MS else f"NO {m['ms'] / TARGET_MS:.2f}x"
            mb_ok = "yes" if m["mib"] * 1.048576 <= TARGET_MB else f"NO {m['mib'] * 1.048576 / TARGET_MB:.1f}x"
            if args.quick:
                ms_ok = mb_ok = "-"
            print(f"{r['label']:<18} {r['mb']:>5.2f}  {label:<18} {m['ms']:>9.1f} {m['ms_min']:>6.1f} {m['cpu']:>7.1f} "
                  f"{m['mib']:>9.1f} {ratio:>21} {ms_ok:>8} {mb_ok:>7}")
    if args.quick:
        print("--quick: a small photo, so the targets (for 12 MP) are not judged")
    print("before = make_derivatives as it was before the speed-ups (rotate and ICC on the 3 MP decode, "
          "LANCZOS, no reducing_gap); bench-only reference")
    print("peak MiB = RSS high-water delta of a child running the pipeline once vs a child that does not "
          f"(median of {args.mem_runs}: " + "; ".join(
              f"{r['label']}/{k} {', '.join(f'{x:.1f}' for x in r[k]['mib_all'])}" for r in rows for k in PIPELINES) + ")")
    print(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("correctness: OK" if ok else "correctness: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
