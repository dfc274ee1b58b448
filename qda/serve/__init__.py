"""``qda serve``: a local web page to read, code and review a project in the browser.

A Starlette app (``app.py``) on uvicorn: the JSON API (``api.py``), the pages
(``pages.py``, Jinja2 templates in ``templates/``), plain JavaScript and CSS in
``static/`` (no build step, nothing from the network), behind the token and Host checks
of ``security.py``. What the pages show is read by ``views.py``; every change is one
public :class:`qda.Project` method (one transaction, one history row), run in the one
thread that holds the project open (``worker.py``).
"""

from qda.serve.app import address, create_app, serve

__all__ = ["create_app", "serve", "address"]
