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


def _sent(response):
    """Bytes a response puts on the wire: status line, headers and body as sent."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + sum(
        len(f"{name}: {value}\r\n") for name, value in response.headers.items()) + 2
    return head + len(response.get_data())


def on_the_wire(client, url, encodings="br, gzip"):
    """(bytes sent for the page and its stylesheets and scripts, shortest static max-age in
    seconds), asking as a browser does (Accept-Encoding), so that whatever the server
    compresses is counted compressed."""
    headers = {"Accept-Encoding": encodings}
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    total = _sent(response)
    html = response.get_data()
    if response.headers.get("Content-Encoding") in ("gzip", "br"):
        html = client.get(url).get_data()  # the same page, plain, to find its assets
    ages = []
    for asset in ASSET_RE.findall(html.decode("utf-8")):
        body = client.get(asset, headers=headers)
        assert body.status_code == 200, asset
        total += _sent(body)
        age = re.search(r"max-age=(\d+)", body.headers.get("Cache-Control", ""))
        ages.append(int(age.group(1)) if age else 0)
        body.close()
    return total, min(ages, default=0)
