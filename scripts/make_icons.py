#!/usr/bin/env python3
"""Render the web app's icons (PNG) from one SVG drawing, for the manifest and the home screens.

    .venv/bin/python scripts/make_icons.py       # writes frontend/public/icons/*.png

The mark is the one of frontend/public/favicon.svg: a white speech bubble on the accent colour. Chromium
(Debian's /usr/bin/chromium, driven by Playwright; never `playwright install`) draws each size, so the PNGs
match the SVG exactly and need no image library. The files it writes:

    icon-192.png, icon-512.png          "any": the rounded tile, transparent corners (Android, desktop)
    maskable-192.png, maskable-512.png  "maskable": full-bleed square, the bubble inside the 80 % safe circle
    apple-touch-icon.png (180)          iOS home screen: opaque square (iOS rounds the corners itself)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "frontend" / "public" / "icons"
ACCENT = "#4f46e5"
BUBBLE = '<path d="M8 10h16v9H14l-5 4v-4H8z" fill="#fff"/>'
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-sync"]


def tile(rounded: bool, scale: float) -> str:
    """The mark on a 32x32 canvas: a rounded or full-bleed tile, the bubble scaled about its centre."""
    radius = ' rx="8"' if rounded else ""
    # The bubble spans x 8..24 and y 10..23: centre (16, 16.5).
    transform = f"translate(16 16.5) scale({scale}) translate(-16 -16.5)"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32"{radius} fill="{ACCENT}"/><g transform="{transform}">{BUBBLE}</g></svg>'
    )


# name -> (size px, svg). Maskable: the bubble's far corner is 10.3 units from the centre at scale 1; the safe
# circle's radius is 12.8 (40 % of 32), so scale 0.9 keeps it well inside whatever shape the launcher cuts.
ICONS: dict[str, tuple[int, str]] = {
    "icon-192.png": (192, tile(rounded=True, scale=1.0)),
    "icon-512.png": (512, tile(rounded=True, scale=1.0)),
    "maskable-192.png": (192, tile(rounded=False, scale=0.9)),
    "maskable-512.png": (512, tile(rounded=False, scale=0.9)),
    "apple-touch-icon.png": (180, tile(rounded=False, scale=1.0)),
}


async def render(out: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for name, (size, svg) in ICONS.items():
                page = await browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
                sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
                await page.set_content(f'<html><body style="margin:0;background:transparent">{sized}</body></html>')
                await page.screenshot(path=str(out / name), omit_background=True)
                await page.close()
                print(f"wrote {out / name}")
        finally:
            await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not Path("/usr/bin/chromium").exists():
        print("/usr/bin/chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(render(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
