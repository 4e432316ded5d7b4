"""Static files must survive `collectstatic` with the manifest storage used when DEBUG is off."""

import re
from pathlib import Path

from django.conf import settings


def test_every_source_map_reference_points_at_a_shipped_file():
    # ManifestStaticFilesStorage follows sourceMappingURL comments and aborts collectstatic on a missing map
    # (chart.js 4.6.1's minified build references one that is not vendored).
    static = Path(settings.BASE_DIR) / "static"
    missing = []
    for path in list(static.rglob("*.js")) + list(static.rglob("*.css")):
        tail = path.read_bytes()[-300:].decode("utf-8", "ignore")
        for name in re.findall(r"sourceMappingURL=([^\s*]+)", tail):
            if not (path.parent / name).exists():
                missing.append(f"{path.relative_to(static)} → {name}")
    assert missing == []
