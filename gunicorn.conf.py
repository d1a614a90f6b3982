"""Gunicorn settings, read from the project directory: ``gunicorn wsgi:app``."""


def on_starting(server) -> None:
    """In production, refuse to start while a demo account keeps the public demo password."""
    from webapp.production import UnsafeToServeError, refuse_unsafe_production
    from wsgi import app

    try:
        refuse_unsafe_production(app)
    except UnsafeToServeError as error:
        server.log.error(str(error))
        raise SystemExit(1) from None


def post_worker_init(worker) -> None:
    """Import the recommender's scikit-learn stack before the worker serves anyone.

    ``import wsgi`` leaves it out so that commands and the web server start fast; without
    this, the first person to open their recommendations on each worker would wait for it
    (about a second).
    """
    import training.recommender  # noqa: F401
