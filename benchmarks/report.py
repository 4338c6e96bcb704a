"""The results table: Markdown, printed and written to a file (bench-results*.md, git-ignored)."""
from benchmarks.common import Row

HEADER = "| figure | measured | baseline | ratio | goal | met? |\n|---|---|---|---|---|---|\n"


def as_row(item):
    """A Row from what a module returned: a Row, a dict with Row's keys (or label/value), or a
    (label, value) / (figure, measured, baseline, ratio, goal, met) tuple."""
    if isinstance(item, Row):
        return item
    if isinstance(item, dict):
        data = dict(item)
        if "label" in data:
            data["figure"] = data.pop("label")
        if "value" in data:
            data["measured"] = data.pop("value")
        return Row(**{k: data[k] for k in Row.__dataclass_fields__ if k in data})
    item = tuple(item)
    if len(item) == 2:
        return Row(str(item[0]), str(item[1]))
    return Row(*item)


def markdown(rows):
    lines = []
    for item in rows:
        row = as_row(item)
        ratio = "—" if row.ratio is None else f"{row.ratio:.3g}×"
        met = {None: "—", True: "yes", False: "**no**"}[row.met]
        cells = [row.figure, row.measured, row.baseline, ratio, row.goal, met]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return HEADER + "\n".join(lines) + "\n"


def print_table(rows, path=None, title=None):
    text = (f"## {title}\n\n" if title else "") + markdown(rows)
    print("\n" + text)
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
