"""Forms of the development plan pages: shape only; the plan rules live in plans.builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from plans.builder import ACTIONS_MAX, COMMENT_MAX, REASON_MAX, SUMMARY_MAX
from plans.models import GoalPriority, GoalStatus, PlanStatus
from training.models import CURRENCIES
from webapp.forms.confirm import PasswordConfirmedForm

PRIORITY_CHOICES = [(str(p.value), p.label) for p in GoalPriority]
GOAL_STATUS_CHOICES = [(s.value, s.label) for s in GoalStatus]
CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]
DATE_MESSAGE = "Enter a real calendar date (for example 2027-03-31)."
LEVEL_MESSAGE = "Enter the level as a whole number, for example 3."


class CalendarDateField(DateField):
    """A date field whose complaint about an impossible date (2026-02-30) a person understands."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(DATE_MESSAGE) from error


class LevelField(IntegerField):
    """A level: a whole number, with a plain complaint about anything else."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(LEVEL_MESSAGE) from error


def _plain_line_breaks(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n")


class PlainTextAreaField(TextAreaField):
    """A text area whose value is always text with plain line breaks ("" when left out, even
    from a request without a form body): browsers send CRLF, while the plan rules, the page
    and the PDF count in LF."""

    def __init__(self, *args, filters: Sequence[Callable] = (), **kwargs) -> None:
        # Filters run after every kind of processing, posted data or none.
        super().__init__(*args, filters=(*filters, _plain_line_breaks), **kwargs)


class VersionedForm(FlaskForm):
    """A form that carries the plan's lock version, so a stale save is caught."""

    version = HiddenField()

    def expected_version(self) -> int:
        """The version the person saw (-1 when missing or tampered: always stale)."""
        value = self.version.data or ""
        return int(value) if value.isdecimal() and len(value) < 10 else -1


def attach_problems(form: FlaskForm, problems: Mapping[str, list[str]]) -> None:
    """Put the builder's per-field problems on the form's fields (shown by the field macro)."""
    for name, messages in problems.items():
        if name in form:
            form[name].errors = [*form[name].errors, *messages]


class PlanForm(VersionedForm):
    role_profile_id = SelectField(
        "Target role",
        choices=[],
        validate_choice=False,
        description="The role profile the goals aim at; your chosen target role by default.",
    )
    period_start = CalendarDateField("Period starts", validators=[InputRequired(DATE_MESSAGE)])
    period_end = CalendarDateField("Period ends", validators=[InputRequired(DATE_MESSAGE)])
    budget_limit = StringField(
        "Budget limit",
        validators=[InputRequired("Enter the budget limit."), Length(max=20)],
        description="What the trainings of this plan may cost in total.",
    )
    currency = SelectField(
        "Currency", choices=CURRENCY_CHOICES, default="EUR", validate_choice=False
    )
    summary = PlainTextAreaField(
        "Purpose of the plan",
        validators=[Optional(), Length(max=SUMMARY_MAX)],
        description="In a sentence or two: where the plan leads and what comes first.",
    )
    over_budget_reason = PlainTextAreaField(
        "Reason for going over budget",
        validators=[Optional(), Length(max=REASON_MAX)],
        description="Needed only when the linked trainings cost more than the limit.",
    )


class GoalForm(VersionedForm):
    competency = SelectField("Competency", choices=[], validate_choice=False)
    from_level = LevelField(
        "From level",
        validators=[InputRequired(LEVEL_MESSAGE)],
        description="Where the person stands now.",
    )
    to_level = LevelField(
        "To level", validators=[InputRequired(LEVEL_MESSAGE)], description="Where the goal leads."
    )
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="2", validate_choice=False)
    due_on = CalendarDateField("Due date", validators=[InputRequired(DATE_MESSAGE)])
    status = SelectField(
        "Status", choices=GOAL_STATUS_CHOICES, default=GoalStatus.OPEN.value, validate_choice=False
    )
    actions = PlainTextAreaField(
        "Actions",
        validators=[Optional(), Length(max=ACTIONS_MAX)],
        description="What the person will do: tasks on the job, coaching, a training, evidence.",
    )


class ActionForm(VersionedForm):
    """A workflow button (propose, withdraw, discard) with the version it acts on."""


class ProposeForm(VersionedForm):
    over_budget_reason = PlainTextAreaField(
        "Reason for going over budget",
        validators=[Optional(), Length(max=REASON_MAX)],
    )


class DecisionForm(VersionedForm):
    """HR's decision on a proposal."""

    note = PlainTextAreaField(
        "Note for the record (optional)",
        validators=[Optional(), Length(max=COMMENT_MAX)],
    )
    over_budget_reason = PlainTextAreaField(
        "Reason for going over budget",
        validators=[Optional(), Length(max=REASON_MAX)],
    )


class ReturnForm(VersionedForm):
    comment = PlainTextAreaField(
        "What should change?",
        validators=[InputRequired("Say what should change."), Length(max=COMMENT_MAX)],
    )


class ArchiveForm(VersionedForm):
    note = PlainTextAreaField(
        "Why is the plan archived? (optional)", validators=[Optional(), Length(max=COMMENT_MAX)]
    )


class LinkTrainingForm(VersionedForm):
    training_id = HiddenField(validators=[InputRequired()])
    source = HiddenField(default="catalogue")


class AddToPlanForm(FlaskForm):
    """ "Add to my plan" from the recommendations and training pages."""

    training_id = HiddenField(validators=[InputRequired()])
    goal_id = SelectField("Goal", choices=[], validate_choice=False)
    source = HiddenField(default="catalogue")
    next = HiddenField()


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


class PlanFilterForm(_GetForm):
    role = SelectField("Target role", choices=[("", "Any role")], default="")
    status = SelectField(
        "Status",
        choices=[("", "Any status"), *[(s.value, s.label) for s in PlanStatus]],
        default="",
    )
    q = StringField("Name or email", validators=[Optional(), Length(max=100)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExportForm(PasswordConfirmedForm):
    """HR's bulk export: the plans ticked, and a key that makes a double click one job."""

    plan_ids = MultiCheckboxField("Plans", choices=[], validate_choice=False)
    idempotency_key = HiddenField(validators=[InputRequired(), Length(min=16, max=64)])


class OverviewFilterForm(_GetForm):
    role = SelectField("Target role", choices=[("", "Any role")], default="")
    q = StringField("Name or email", validators=[Optional(), Length(max=100)])
    page = IntegerField("Page", validators=[Optional()], default=1)
