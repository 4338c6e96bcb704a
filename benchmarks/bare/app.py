"""The baseline of the throughput figures: a bare Flask app rendering a 5 KB Jinja template,
no database, no session; served by gunicorn with the same settings as Carnet."""
import os

from flask import Flask, render_template

app = Flask(__name__, template_folder=os.path.dirname(os.path.abspath(__file__)))
ITEMS = ["rendez-vous", "document", "message", "mesure", "rappel"]


@app.route("/")
def page():
    """The 5 KB page."""
    return render_template("bare.html", title="Bonjour", user="Camille Martin", items=ITEMS)
