"""First-load weight of a page on the wire: its HTML plus every same-origin stylesheet, script
and icon it links to, as the app sends them to a browser (brotli or gzip, whatever it chose),
headers included."""
import re

ASSET_RE = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')
# What a current browser sends for its own page's requests (see portal/wire.py).
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}


def wire_bytes(response):
    """Bytes of one HTTP/1.1 response: status line, headers and the body as sent."""
    head = len(f"HTTP/1.1 {response.status}\r\n") + 2
    head += sum(len(name) + len(value) + 4 for name, value in response.headers.items())
    return head + len(response.get_data())


def first_load(client, url):
    """(total bytes on the wire, {resource: bytes}) for one page's first load (empty cache).
    Static addresses are reported without their ?v= version."""
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, (url, response.status_code)
    html = page_text(response)
    parts = {url: wire_bytes(response)}
    for asset in ASSET_RE.findall(html):
        body = client.get(asset.replace("&amp;", "&"), headers=BROWSER)
        assert body.status_code == 200, asset
        parts[asset.split("?")[0]] = wire_bytes(body)
        body.close()
    return sum(parts.values()), parts


def page_text(response):
    """The page's HTML, decoded from whatever Content-Encoding it was sent with."""
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        import brotli
        data = brotli.decompress(data)
    elif encoding == "gzip":
        import gzip
        data = gzip.decompress(data)
    return data.decode("utf-8")


def on_the_wire(client, url, encodings=BROWSER["Accept-Encoding"]):
    """(bytes sent for the page and its stylesheets, scripts and icon, shortest static
    max-age in seconds), asking with `encodings` ("identity": nothing compressed)."""
    headers = {**BROWSER, "Accept-Encoding": encodings}
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    total, ages = wire_bytes(response), []
    for asset in ASSET_RE.findall(page_text(response)):
        body = client.get(asset.replace("&amp;", "&"), headers=headers)
        assert body.status_code == 200, asset
        total += wire_bytes(body)
        age = re.search(r"max-age=(\d+)", body.headers.get("Cache-Control", ""))
        ages.append(int(age.group(1)) if age else 0)
        body.close()
    return total, min(ages, default=0)
