"""Render the application icon (resources/icons/app.svg) for every platform.

Why a script and no committed PNGs: the SVG is the one source; the hicolor PNGs (Linux), the .ico
(Windows) and the .icns (macOS) are derived at build time so they can never drift from it. Both
containers are written by hand: each is a small header plus PNG-compressed entries, so no Pillow.

Usage: ``uv run python packaging/icons.py [OUT_DIR]`` (default ``build/icons``). Writes::

    OUT_DIR/hicolor/<N>x<N>/apps/<APP_ID>.png     N in HICOLOR_SIZES
    OUT_DIR/hicolor/scalable/apps/<APP_ID>.svg
    OUT_DIR/inbox.ico                             16…256 px
    OUT_DIR/inbox.icns                            16…1024 px
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "icons" / "app.svg"
APP_ID = "io.github.inbox.Inbox"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Apple's PNG-capable icon types and the pixel size each one holds (the @2x types double up).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(size: int, svg: Path = SVG) -> bytes:
    """The SVG rendered to a square, transparent ``size`` px PNG."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:  # QPainter needs a GUI application; no display required
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render_png.app = QGuiApplication([])  # type: ignore[attr-defined]  # kept alive for later calls
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container: ICONDIR, one 16-byte ICONDIRENTRY per size, then the PNG images."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        png = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in the one-byte fields
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS container: 'icns' + total length, then (type, length, PNG) per entry, big-endian."""
    body = b""
    for kind, size in ICNS_TYPES:
        png = pngs[size]
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build(out: Path, svg: Path = SVG) -> dict[str, Path]:
    """Write every icon under ``out``; returns the main paths (for the spec and the tests)."""
    sizes = sorted(set(HICOLOR_SIZES) | set(ICO_SIZES) | {s for _, s in ICNS_TYPES})
    pngs = {size: render_png(size, svg) for size in sizes}
    for size in HICOLOR_SIZES:
        target = out / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    scalable = out / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(svg, scalable)
    ico = out / "inbox.ico"
    ico.write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    icns = out / "inbox.icns"
    icns.write_bytes(icns_bytes(pngs))
    png = out / "inbox.png"
    png.write_bytes(pngs[256])
    return {"hicolor": out / "hicolor", "ico": ico, "icns": icns, "png": png}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else REPO / "build" / "icons"
    paths = build(out)
    print(f"icons written to {out} ({paths['ico'].name}, {paths['icns'].name}, hicolor {len(HICOLOR_SIZES)} sizes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
