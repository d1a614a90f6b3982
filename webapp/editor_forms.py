"""The framework editor's form view, written once: a valid POST runs the service call; saved,
it flashes and redirects; refused or invalid, the page comes back with the problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash
from flask_wtf import FlaskForm

from webapp.transactions import form_status, problems_of

T = TypeVar("T")


def editor_form_view(
    form: FlaskForm,
    save: Callable[[], T],
    *,
    saved: Callable[[T], tuple[str, Any]],
    page: Callable[[list[str]], str],
):
    """``saved(result)`` gives (flash message, redirect); ``page(problems)`` renders the form.

    The status is 200 for a GET, 400 for a form of the wrong shape, 422 for a refusal.
    """
    problems: list[str] = []
    if form.validate_on_submit():
        result, problems = problems_of(save)
        if not problems:
            message, response = saved(result)
            flash(message, "success")
            return response
    return page(problems), form_status(form, problems)
