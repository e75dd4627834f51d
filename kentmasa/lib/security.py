"""A Content-Security-Policy on every response, so injected markup cannot run script.

Every script kentmasa serves is a same-origin file (data for it travels in json_script blocks, which are
not executed), so ``script-src 'self'`` holds. Leaflet and htmx set inline styles, hence
``style-src 'unsafe-inline'``; styles cannot run script. Map tiles, when configured, come from the host of
KENTMASA_MAP_TILES. A view that needs another policy sets the header itself and is left alone.
"""

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


@lru_cache(maxsize=8)
def tile_source(template: str) -> str:
    """The CSP source for a Leaflet tile URL template: its scheme and host, "{s}" as a wildcard."""
    if not template:
        return ""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if labels and "{" in labels[0]:
        labels[0] = "*"  # {s}.tile.example.org: Leaflet's subdomains a, b, c
    if any("{" in label or "}" in label for label in labels):
        return ""  # a placeholder elsewhere in the host cannot be written as a CSP source
    return f"{parts.scheme}://{'.'.join(labels)}"


@lru_cache(maxsize=8)
def policy(tiles: str) -> str:
    images = " ".join(source for source in ("'self'", "data:", tile_source(tiles)) if source)
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {images}",
            "style-src 'self' 'unsafe-inline'",
            "script-src 'self'",
            # A voice message recorded on the public form plays back from the browser's own blob: URL before
            # it is sent; media cannot run script.
            "media-src 'self' blob:",
            "worker-src 'self'",  # the service worker at /sw.js (kentmasa.notify)
            "manifest-src 'self'",  # /manifest.webmanifest
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = policy(getattr(settings, "KENTMASA_MAP_TILES", "") or "")
        return response
