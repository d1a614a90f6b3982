"""Forms of feedback rounds: shape only. Who may open, ask and see, the anonymity minimum and
the closing day are checked again in ``feedback.rounds`` and ``feedback.answering``."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from core.users import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from feedback.models import ANONYMITY_FLOOR, COMMENT_MAX_LENGTH, MESSAGE_MAX_LENGTH, RaterGroup
from feedback.rounds import MAX_RATERS
from webapp.forms.assessments import version_field
from webapp.forms.evaluations import DATE_MESSAGE
from webapp.forms.training import MultiCheckboxField

GROUP_CHOICES = [(g.value, g.label) for g in RaterGroup]


def _min_raters_field(**options: Any) -> IntegerField:
    """The anonymity minimum per group: the database refuses less than the floor too."""
    return IntegerField(
        "Minimum answers per group",
        validators=[
            InputRequired("Enter the minimum number of answers per group."),
            NumberRange(
                ANONYMITY_FLOOR,
                MAX_RATERS,
                f"Enter a number from {ANONYMITY_FLOOR} to {MAX_RATERS}.",
            ),
        ],
        **options,
    )


class OpenRoundForm(FlaskForm):
    person_id = SelectField("About", coerce=str, validators=[DataRequired("Choose a person.")])
    competency_ids = MultiCheckboxField(
        "Competencies to ask about",
        coerce=int,
        description="Colleagues see these competencies with the framework's level descriptors.",
    )
    closes_on = DateField(
        "Answers taken until",
        validators=[InputRequired(DATE_MESSAGE)],
        description="The round closes after this day; results appear then, never before.",
    )
    message = TextAreaField(
        "Message to the raters (optional)",
        validators=[Optional(), Length(max=MESSAGE_MAX_LENGTH)],
        description="Shown on the answer page and in the request mail.",
    )
    managers_attributed = BooleanField(
        "Managers answer by name",
        description="Raters in the manager group are told before they answer that their "
        "answers are shown with their name. Every other group stays anonymous.",
    )
    min_raters = _min_raters_field(
        default=ANONYMITY_FLOOR,
        description=f"A group's results appear only from this many answers up (at least "
        f"{ANONYMITY_FLOOR}; only HR can raise it).",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate; WTForms calls 2026-02-30 "Not a valid date value.", we say what to do."""
        valid = super().validate(extra_validators)
        field = self.closes_on
        field.errors = [DATE_MESSAGE if "valid date" in e else e for e in field.errors]
        return valid


class RaterForm(FlaskForm):
    group = SelectField(
        "Works with them as", choices=GROUP_CHOICES, validators=[DataRequired("Choose a group.")]
    )
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the person's name."), Length(max=NAME_MAX_LENGTH)],
    )
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Enter an e-mail address."),
            Email("Enter a valid e-mail address."),
            Length(max=EMAIL_MAX_LENGTH),
        ],
        description="People without a Proficio account get a one-time link; no account is "
        "made for them.",
    )


class MinimumForm(FlaskForm):
    min_raters = _min_raters_field()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AnswerForm(FlaskForm):
    """The answer page's fixed fields; the levels (``c<competency id>``) are read apart."""

    version = version_field()
    comment = TextAreaField(
        "Comment (optional)",
        validators=[Optional(), Length(max=COMMENT_MAX_LENGTH)],
        description="Shown without your name, and only if enough people in your group answer.",
    )
    action = HiddenField()
