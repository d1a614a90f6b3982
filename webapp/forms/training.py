"""Forms of the training pages: catalogue filters, HR's training editor, plans, status, rating."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from competencies.models import Competency
from training.catalogue import DESCRIPTION_MAX, LINK_MAX, MAX_COST, MAX_HOURS
from training.enrollments import COMMENT_MAX
from training.features import TrainingFormat
from training.models import CURRENCIES, LANGUAGES, EnrollmentStatus

FORMAT_CHOICES = [(f.value, f.label) for f in TrainingFormat]
LANGUAGE_CHOICES = list(LANGUAGES.items())
LEVEL_CHOICES = [(str(level), str(level)) for level in range(6)]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered inside a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _GetForm(FlaskForm):
    """Filters travel in the query string: no CSRF token, nothing changes."""

    class Meta:
        csrf = False


class CatalogueFilterForm(_GetForm):
    q = StringField("Search title or provider", validators=[Optional(), Length(max=100)])
    competency = SelectField("Competency", choices=[("", "Any competency")], default="")
    format = SelectField("Format", choices=[("", "Any format"), *FORMAT_CHOICES], default="")
    language = SelectField(
        "Language", choices=[("", "Any language"), *LANGUAGE_CHOICES], default=""
    )
    max_cost = DecimalField(
        "Maximum cost (EUR)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=MAX_COST, message="Enter 0 or more.")],
    )
    max_hours = DecimalField(
        "Maximum hours",
        places=1,
        validators=[Optional(), NumberRange(min=0, max=MAX_HOURS, message="Enter 0 or more.")],
    )
    level = IntegerField(
        "Suits level",
        description="Only trainings whose level range includes this level (0–5).",
        validators=[Optional(), NumberRange(min=0, max=5, message="Enter a level from 0 to 5.")],
    )
    status = SelectField(
        "Status",
        choices=[("active", "Active only"), ("all", "Active and inactive")],
        default="active",
    )

    def set_competencies(self, competencies: Sequence[Competency]) -> None:
        """Offer the current framework's competencies."""
        self.competency.choices = [("", "Any competency")] + [
            (c.uuid, f"{c.code} {c.name}") for c in competencies
        ]


class RecommendationForm(_GetForm):
    role = SelectField("Target role")
    max_cost = DecimalField(
        "Budget per training (EUR)",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=MAX_COST, message="Enter 0 or more.")],
    )
    max_hours = DecimalField(
        "Maximum hours",
        places=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_HOURS, message="Enter 1 or more.")],
    )
    formats = MultiCheckboxField("Formats", choices=FORMAT_CHOICES)
    languages = MultiCheckboxField("Languages", choices=LANGUAGE_CHOICES)


def weight_field_name(code: str) -> str:
    """Form field name of a competency's weight (codes such as TEC-01 become weight_TEC_01)."""
    return "weight_" + "".join(ch if ch.isalnum() else "_" for ch in code)


class TrainingForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired(message="Enter a title."), Length(max=200)]
    )
    provider = StringField(
        "Provider", validators=[DataRequired(message="Name the provider."), Length(max=120)]
    )
    format = SelectField("Format", choices=FORMAT_CHOICES)
    hours = DecimalField(
        "Hours",
        places=1,
        validators=[
            InputRequired(message="Enter the hours."),
            NumberRange(min=0.5, max=MAX_HOURS, message=f"Enter 0.5 to {MAX_HOURS} hours."),
        ],
    )
    cost = DecimalField(
        "Cost",
        places=2,
        description="List price per person; 0 for free courses.",
        validators=[
            InputRequired(message="Enter the cost (0 when free)."),
            NumberRange(min=0, max=MAX_COST, message=f"Enter 0 to {MAX_COST:,}."),
        ],
    )
    currency = SelectField("Currency", choices=[(c, c) for c in CURRENCIES])
    language = SelectField("Language", choices=LANGUAGE_CHOICES)
    level_min = SelectField("Lowest level it aims at", choices=LEVEL_CHOICES, coerce=int, default=1)
    level_max = SelectField(
        "Highest level it aims at", choices=LEVEL_CHOICES, coerce=int, default=2
    )
    link = URLField(
        "Link",
        description="The provider's page (http or https).",
        validators=[Optional(), Length(max=LINK_MAX)],
    )
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)])
    version = HiddenField()

    def weight_fields(self) -> list[Field]:
        """The competency weight fields, in framework order."""
        return [field for name, field in self._fields.items() if name.startswith("weight_")]


def training_form_class(competencies: Sequence[Competency]) -> type[TrainingForm]:
    """A TrainingForm with one weight field per competency of the current framework."""
    attributes = {
        weight_field_name(c.code): DecimalField(
            f"{c.code} {c.name}",
            places=2,
            validators=[
                Optional(),
                NumberRange(min=0, max=1, message="Enter a weight from 0 to 1."),
            ],
        )
        for c in competencies
    }
    return type("TrainingFormWithWeights", (TrainingForm,), attributes)


class PlanForm(FlaskForm):
    planned_for = DateField("Planned for (optional)", validators=[Optional()])
    next = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField(
        "New status", choices=[(s.value, s.label) for s in EnrollmentStatus], validate_choice=True
    )
    version = HiddenField()


class RatingForm(FlaskForm):
    rating = RadioField(
        "Your rating",
        choices=[(str(n), f"{n} of 5") for n in range(1, 6)],
        validators=[InputRequired(message="Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField(
        "Comment (optional)",
        validators=[Length(max=COMMENT_MAX, message=f"Keep it under {COMMENT_MAX} characters.")],
    )
