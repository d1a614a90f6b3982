"""Gunicorn settings, read from the project directory: ``gunicorn wsgi:app``."""


def post_worker_init(worker) -> None:
    """Import the recommender's scikit-learn stack before the worker serves anyone.

    ``import wsgi`` leaves it out so that commands and the web server start fast; without
    this, the first person to open their recommendations on each worker would wait for it
    (about a second).
    """
    import training.recommender  # noqa: F401
