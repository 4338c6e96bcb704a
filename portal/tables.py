"""Tables that reflow into cards on a phone: every body cell carries its column's header.

The `table` component (templates/components/table.html) passes the rows its caller wrote
through `label_cells`, which gives each `<td>`/`<th>` of a row the header of its column as
`data-label`; below 30em the stylesheet lays each row out as a card and prints that label
before the cell. One pattern for every table, and no caller has to repeat its headers.
"""
import re

from markupsafe import Markup, escape

_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.DOTALL)
# A cell's opening tag, up to its ">": the label goes last, after the caller's attributes.
_CELL = re.compile(r"<(?:td|th)\b[^>]*")


def label_cells(rows, headers):
    """Return the rows' HTML with `data-label="<header>"` on each cell, by column position."""
    labels = [str(escape(h)) for h in headers]

    def label_row(match):
        column = iter(range(len(labels)))

        def label(cell):
            index = next(column, None)
            if index is None or "data-label=" in cell.group(0):  # the caller's own label wins
                return cell.group(0)
            return f'{cell.group(0)} data-label="{labels[index]}"'
        return _CELL.sub(label, match.group(0))
    return Markup(_ROW.sub(label_row, str(rows)))
