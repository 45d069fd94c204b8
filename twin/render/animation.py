"""Clips of one recorded replica: GIF and MP4, written frame by frame.

The frames come from a :class:`twin.Recorded` (``simulate(..., record=twin.Recording(...))``,
opt-in and bounded by ``twin.recording.MAX_FRAMES``). Each frame is rendered off-screen and
handed straight to the encoder: MP4 goes through imageio-ffmpeg's bundled ffmpeg (nothing is
kept in memory); GIF through Pillow, which keeps only each frame's changed region as 8-bit
paletted pixels until it writes the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import TwinError
from ..progress import Progress
from .colors import PART_COLOR, STATUS_RGB
from .scene import LineScene, parse_size

PART_RGB = [int(PART_COLOR[i:i + 2], 16) / 255 for i in (1, 3, 5)]

FORMATS = (".gif", ".mp4")
DEFAULT_SIZE = (1280, 720)   # 16:9; labels and the clock scale with the height (labels.text_px)


def _even(size) -> tuple[int, int]:
    w, h = parse_size(size)
    return w + (w % 2), h + (h % 2)  # H.264 (yuv420p) needs even sides


def activity(recording) -> np.ndarray:
    """Visible changes at each frame of a recording ([F] counts; frame 0 has none): elements whose
    state or parts held changed since the previous frame, belts whose parts moved, and in what the
    kinds record themselves (``equipment``): arms whose joints moved (frames with ``joints``,
    once per arm), else each recorded column that changed (a cluster tool's chambers)."""
    n = recording.frames
    out = np.zeros(n, np.int64)
    if n < 2:
        return out
    out[1:] += (np.diff(recording.status.astype(np.int64), axis=0) != 0).sum(axis=1)
    out[1:] += (np.diff(recording.held.astype(np.int64), axis=0) != 0).sum(axis=1)
    for s in recording.belts.values():
        s = np.nan_to_num(np.asarray(s, float), nan=-1.0)
        out[1:] += (np.abs(np.diff(s, axis=0)) > 1e-6).any(axis=1)
    for group in recording.equipment.values():
        for own in group.values():
            if "joints" in own:
                q = np.asarray(own["joints"], float).reshape(n, -1)
                out[1:] += (np.abs(np.diff(q, axis=0)) > 1e-4).any(axis=1)
                continue
            for codes in own.values():
                codes = np.asarray(codes).reshape(n, -1)
                out[1:] += (np.diff(codes.astype(np.int64), axis=0) != 0).sum(axis=1)
    return out


def busiest_window(recording, length: int) -> tuple[int, int]:
    """(first, end) frame indices of the ``length`` consecutive frames that show the most visible
    changes (:func:`activity` of frames first + 1 .. end - 1: the changes seen within the clip);
    the earliest such window on a tie."""
    n = recording.frames
    length = max(1, min(int(length), n))
    if length < 2:
        return 0, length
    act = activity(recording)
    sums = np.convolve(act[1:], np.ones(length - 1, np.int64), mode="valid")   # k -> act[k + 1 : k + length]
    first = int(np.argmax(sums))
    return first, first + length


def sub_recording(recording, first: int, end: int):
    """Frames ``first`` to ``end`` (exclusive) of a recording, as a recording of its own."""
    from ..recording import Recorded
    sl = slice(int(first), int(end))
    return Recorded(recording.replica, recording.times[sl], list(recording.names), list(recording.kinds),
                    recording.status[sl], recording.held[sl],
                    {k: v[sl] for k, v in recording.belts.items()},
                    {g: {n: {k: v[sl] for k, v in d.items()} for n, d in group.items()}
                     for g, group in recording.equipment.items()})


def frames(plant, recording, *, size=DEFAULT_SIZE, camera: str = "iso", labels: bool = True, title: str | None = None,
           anti_aliasing: bool = True, layout=None, every: int = 1):
    """Yields the RGB images ([H, W, 3] uint8) of the recording's frames, one at a time."""
    if recording is None:
        raise TwinError("no recording to animate: simulate with record=twin.Recording(...)")
    if recording.frames == 0:
        raise TwinError("the recording has no frames")
    scene = LineScene(plant, status=True, size=size, camera=camera, labels=labels, title=title,
                      anti_aliasing=anti_aliasing, layout=layout, off_screen=True)
    try:
        for f in range(0, recording.frames, max(int(every), 1)):
            scene.show_frame(recording, f)
            yield scene.image()
    finally:
        scene.close()


def animate(plant, recording, path, *, fps: int = 20, size=DEFAULT_SIZE, camera: str = "iso", labels: bool = True,
            title: str | None = None, anti_aliasing: bool = True, layout=None, progress: bool | None = None) -> Path:
    """Writes a clip of ``recording`` (a :class:`twin.Recorded` of ``plant``) to ``path``
    (``.gif`` or ``.mp4``), one frame per recorded frame at ``fps`` frames per second: parts on
    belts and stacked on elements, arms moving, elements and their units coloured idle / busy /
    blocked / down, and a clock. Returns the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise TwinError(f"animation format must be {' or '.join(FORMATS)}, got '{path.name}'")
    if isinstance(fps, bool) or not isinstance(fps, int) or not 1 <= fps <= 120:
        raise TwinError(f"fps must be an integer from 1 to 120, got {fps!r}")
    size = _even(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    bar = Progress(f"animating {path.name}", recording.frames if recording is not None else 0, enabled=progress)
    images = frames(plant, recording, size=size, camera=camera, labels=labels, title=title,
                    anti_aliasing=anti_aliasing, layout=layout)

    def counted():
        for k, img in enumerate(images):
            bar.update(k + 1)
            yield img

    try:
        if suffix == ".mp4":
            _write_mp4(path, counted(), size, fps)
        else:
            _write_gif(path, counted(), fps)
    finally:
        images.close()
        bar.close()
    return path


def _write_mp4(path: Path, images, size, fps: int) -> None:
    try:
        import imageio_ffmpeg
    except ImportError:
        raise TwinError("MP4 needs imageio-ffmpeg: pip install 'twin[render]'") from None
    writer = imageio_ffmpeg.write_frames(str(path), size, fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=2, quality=7, ffmpeg_log_level="error")
    writer.send(None)
    try:
        for img in images:
            writer.send(np.ascontiguousarray(img))
    finally:
        writer.close()


def gif_palette(first: np.ndarray):
    """One 256-colour palette for the whole clip: 64 entries hold shades of every state colour
    and of the part colour (so a machine that goes down later is still red, and swatches stay
    exact), the other 192 the first frame's most common colours."""
    from PIL import Image
    shades = np.linspace(0.3, 1.0, 10)
    fixed = np.array([c * s for c in np.vstack([STATUS_RGB, [PART_RGB]]) for s in shades])
    fixed = np.vstack([fixed, np.ones((1, 3)), np.zeros((1, 3))])            # white, black
    fixed = (fixed * 255).round().astype(np.uint8)[:64]
    own = Image.fromarray(first).quantize(256 - 64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    colours = np.array(own.getpalette()[: 3 * (256 - 64)], np.uint8).reshape(-1, 3)
    table = np.zeros((256, 3), np.uint8)
    table[: len(colours)] = colours
    table[256 - 64: 256 - 64 + len(fixed)] = fixed
    palette = Image.new("P", (1, 1))
    palette.putpalette(table.ravel().tolist())
    return palette


def _write_gif(path: Path, images, fps: int) -> None:
    from PIL import Image

    first = next(images, None)
    if first is None:
        raise TwinError("no frames to write")
    palette = gif_palette(first)

    def paletted(img):
        return Image.fromarray(img).quantize(palette=palette, dither=Image.Dither.NONE)

    def rest():
        for img in images:
            yield paletted(img)

    duration = max(int(round(1000 / fps)), 20)
    paletted(first).save(path, save_all=True, append_images=rest(), duration=duration, loop=0,
                         optimize=False, disposal=1)


def count_frames(path) -> int:
    """Frames in a GIF or MP4 file (for checks and tests)."""
    path = Path(path)
    if path.suffix.lower() == ".mp4":
        import imageio_ffmpeg
        return int(imageio_ffmpeg.count_frames_and_secs(str(path))[0])
    from PIL import Image
    with Image.open(path) as im:
        return int(getattr(im, "n_frames", 1))
