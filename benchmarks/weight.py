"""First-load weight of a page: its HTML plus every same-origin stylesheet and script, gzipped."""
import gzip
import re

ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def gz(data):
    return len(gzip.compress(data, compresslevel=6))


def first_load(client, url):
    """(total compressed bytes, {resource: compressed bytes}) for one page's first load."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data()
    parts = {url: gz(html)}
    for asset in ASSET_RE.findall(html.decode("utf-8")):
        body = client.get(asset)
        assert body.status_code == 200, asset
        parts[asset] = gz(body.get_data())
        body.close()
    return sum(parts.values()), parts
