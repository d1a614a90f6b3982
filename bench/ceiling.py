"""The ceiling: a bare Flask + Jinja page rendering a list of 20 items, nothing else.

    gunicorn -w 2 bench.ceiling:app

Proficio's pages are measured against it in the same run, on the same machine, under the
same load, so the ratio says what the application itself costs on top of Flask and Jinja.
"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
<ul>
{% for item in items %}  <li>{{ item.name }} ({{ item.level }})</li>
{% endfor %}</ul>
</main>
</body>
</html>
"""

ITEMS = [{"name": f"Item {number:02d}", "level": number % 6} for number in range(20)]


def create_ceiling_app() -> Flask:
    """A Flask app with one route that renders a 20-item list through a Jinja template."""
    app = Flask(__name__)
    app.jinja_loader = DictLoader({"list.html": PAGE})

    @app.route("/")
    def items():
        return render_template("list.html", title="Twenty items", items=ITEMS)

    return app


app = create_ceiling_app()
