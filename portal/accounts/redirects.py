"""Where a page may send the browser next: only a local path (no open redirect). Used by the
login (accounts/views.py), the language switch (pages) and error pages (errors.py)."""
from urllib.parse import urlparse


def safe_next(target):
    """Only a local path may follow login (no open redirect)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None  # browsers read "/\\host" as "//host"
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
