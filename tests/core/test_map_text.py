"""Every page with a Leaflet map loads the script that keeps tooltip and popup strings as text (red team L1)."""

from pathlib import Path

import civicgrid

LEAFLET = "vendor/leaflet/leaflet.js"
TEXT = "civicgrid/leaflet-text.js"


def test_every_template_loading_leaflet_loads_the_text_guard_right_after():
    root = Path(civicgrid.__file__).parent
    pages = [p for p in root.rglob("*.html") if LEAFLET in p.read_text(encoding="utf-8")]
    assert pages, "no map pages found"
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert TEXT in text, f"{page.relative_to(root)} loads Leaflet without {TEXT}"
        assert text.index(TEXT) > text.index(LEAFLET), page
