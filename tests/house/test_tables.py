"""Tables reflow into cards on a phone: every cell of the `table` component carries its
column's header (portal/tables.py), which the stylesheet prints before it below 30em."""
from flask import render_template_string

from portal.tables import label_cells


def test_each_cell_gets_its_columns_header_after_its_own_attributes():
    rows = ('<tr><th scope="row">12 mars</th><td>62 kg</td><td data-label="Mine">x</td></tr>'
            '<tr><th scope="row">9 mars</th><td>63 kg</td><td><form><button>Supprimer</button>'
            '</form></td></tr>')
    html = str(label_cells(rows, ["Date", "Valeur <kg>", "Action"]))
    assert html.count('<th scope="row" data-label="Date">') == 2
    assert html.count('<td data-label="Valeur &lt;kg&gt;">') == 2
    assert '<td data-label="Mine">x</td>' in html  # a label written by the caller stays
    assert '<td data-label="Action"><form>' in html


def test_the_table_component_labels_its_rows(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/table.html" import table %}'
            '{% call table("Poids", ["Date", "Action"], class="measure-table") %}'
            '<tr><td>1 mars</td><td><a href="/x">Supprimer</a></td></tr>{% endcall %}')
    assert '<table class="reflow measure-table">' in html
    assert '<td data-label="Date">1 mars</td>' in html
    assert '<td data-label="Action"><a href="/x">Supprimer</a></td>' in html
