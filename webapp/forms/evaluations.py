"""Forms of project evaluations and invitations: shape only (required, lengths, choices, dates).

Business rules — who may change what, budget limits, the role's framework, locked sheets —
are checked again in ``evaluations.projects``, ``assessments.answers`` and
``assessments.submission``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
)
from wtforms.validators import ValidationError as FieldError

from assessments.evidence import EVIDENCE_TEXT_MAX, EVIDENCE_URL_MAX
from assessments.models import EvidenceKind
from assessments.submission import CORRECTION_REASON_MIN
from competencies.models import Competency
from core.users import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from evaluations.models import ProjectKind
from evaluations.projects import BUDGET_MAX, CURRENCIES, DESCRIPTION_MAX, TITLE_MAX
from webapp.forms.assessments import NOT_ASSESSED, field_names, version_field
from webapp.forms.auth import NewPasswordForm

DATE_MESSAGE = "Enter a real date, for example 2026-03-31."
BUDGET_PATTERN = re.compile(r"^\d{1,14}(\.\d{1,2})?$")


def parse_budget(text: str | None) -> Decimal | None:
    """The budget typed by a person ("250 000", "1250.50"), None when left empty.

    :raises ValueError: with a message for anything else (letters, NaN, commas, 3 decimals).
    """
    cleaned = re.sub(r"[\s_']", "", text or "")
    if not cleaned:
        return None
    if not BUDGET_PATTERN.match(cleaned):
        raise ValueError(
            "Enter the budget in digits, with a point before at most two decimals "
            "(for example 250000 or 1250.50)."
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError("Enter the budget as a number.") from error
    if value > BUDGET_MAX:
        raise ValueError(f"The budget may be at most {BUDGET_MAX:,.0f}.")
    return value


def email_field(label: str, field_id: str) -> EmailField:
    """An email field with the messages people understand; ``field_id`` keeps the ids of the
    several email forms on one page apart."""
    return EmailField(
        label,
        id=field_id,
        validators=[
            DataRequired(message="Enter an email address."),
            Length(max=EMAIL_MAX_LENGTH),
            Email(message="Enter a valid email address, like name@example.com."),
        ],
    )


class ProjectForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired(message="Enter a title."), Length(max=TITLE_MAX)],
    )
    kind = RadioField(
        "Kind of project",
        choices=[(k.value, k.label) for k in ProjectKind],
        default=ProjectKind.CASE.value,
        validators=[InputRequired(message="Choose real project or case study.")],
    )
    description = TextAreaField(
        "Description",
        description="The scope candidates worked on, e.g. migrating 40 file servers to a "
        "virtual platform within one quarter.",
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
    )
    budget = StringField(
        "Budget (optional)",
        description="Digits, with a point before cents: 250000 or 1250.50.",
        validators=[Optional(), Length(max=40)],
    )
    currency = SelectField(
        "Currency",
        choices=[("", "—")] + [(c, c) for c in CURRENCIES],
        # No Optional(): an empty currency must still reach validate_currency.
        validators=[AnyOf(["", *CURRENCIES], message="Choose a currency.")],
        validate_choice=False,
    )
    start_on = DateField(
        "Start", validators=[InputRequired(message="Enter the start date.")], format="%Y-%m-%d"
    )
    deadline_on = DateField(
        "Deadline",
        validators=[InputRequired(message="Enter the deadline.")],
        format="%Y-%m-%d",
    )
    technologies = StringField(
        "Technologies",
        description="Separate them with commas, e.g. Linux, VMware vSphere, Ansible.",
        validators=[Optional(), Length(max=1000)],
    )
    role_profile_id = SelectField(
        "Role profile the candidates are judged against",
        validators=[DataRequired(message="Choose a role profile.")],
        validate_choice=False,
    )
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget_value: Decimal | None = None

    def validate_budget(self, field: StringField) -> None:
        try:
            self.budget_value = parse_budget(field.data)
        except ValueError as error:
            raise FieldError(str(error)) from error

    def validate_currency(self, field: SelectField) -> None:
        if (self.budget.data or "").strip() and not field.data:
            raise FieldError("Choose the currency of the budget.")
        if field.data and not (self.budget.data or "").strip():
            raise FieldError("Enter a budget amount too, or choose “—”.")

    def validate_deadline_on(self, field: DateField) -> None:
        if field.data and self.start_on.data and field.data < self.start_on.data:
            raise FieldError("The deadline cannot be before the start date.")

    def validate_role_profile_id(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise FieldError("Choose one of the role profiles listed.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate; WTForms calls 2026-02-30 "Not a valid date value.", we say what to do."""
        valid = super().validate(extra_validators)
        for name in ("start_on", "deadline_on"):
            field = self[name]
            field.errors = [DATE_MESSAGE if "valid date" in e else e for e in field.errors]
        return valid


class AskCandidateForm(FlaskForm):
    name = StringField(
        "Full name",
        id="ask-name",
        validators=[DataRequired(message="Enter the person's name."), Length(max=NAME_MAX_LENGTH)],
    )
    email = email_field("Email", "ask-email")


class AnswerRequestForm(FlaskForm):
    """A candidate's answer to a request to join a project."""

    share_self_assessment = BooleanField(
        "Show my latest self-assessment to the evaluators of this project",
        description="They then see your own level next to their ratings in the comparison. "
        "You can change this later.",
    )
    accept = SubmitField("Accept")
    decline = SubmitField("Decline")


class SharingForm(FlaskForm):
    share_self_assessment = BooleanField("Show my latest self-assessment to the evaluators")


class AddCoEvaluatorForm(FlaskForm):
    email = email_field("Email of a hiring manager", "co-evaluator-email")


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class ReleaseForm(FlaskForm):
    confirm = BooleanField(
        "I understand that each candidate will see their own combined results from now on.",
        validators=[DataRequired(message="Tick the box to confirm the release.")],
    )


class SubmitSheetForm(FlaskForm):
    version = version_field()
    confirm = BooleanField(
        "I have checked the levels; a submitted sheet can only be corrected with a reason.",
        validators=[DataRequired(message="Tick the box to confirm you want to submit.")],
    )


class CorrectionForm(FlaskForm):
    version = version_field()
    competency_id = SelectField(
        "Competency",
        validators=[DataRequired(message="Choose a competency.")],
        validate_choice=False,
    )
    level = SelectField(
        "Corrected level",
        validators=[DataRequired(message="Choose the level.")],
        validate_choice=False,
    )
    reason = TextAreaField(
        "Why the rating changes",
        description="Stays in the history next to the correction, visible to the other "
        "evaluators and HR.",
        validators=[
            DataRequired(message="Say why the rating changes."),
            Length(
                min=CORRECTION_REASON_MIN,
                max=500,
                message=f"Write {CORRECTION_REASON_MIN} to 500 characters.",
            ),
        ],
    )

    def validate_competency_id(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise FieldError("Choose a competency of this sheet.")

    def validate_level(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise FieldError("Choose a level from the list.")


class AcceptInvitationForm(NewPasswordForm):
    """The password that activates an invited account."""


def build_sheet_form(competencies: Sequence[Competency], levels: Sequence[int]) -> type[FlaskForm]:
    """A form class for a rating sheet: a level (or not observed) and an evidence note per
    competency. Field names follow ``field_names`` like the self-assessment's."""
    level_values = [str(v) for v in levels] + [NOT_ASSESSED]
    level_message = (
        f"Choose a level from {levels[0]} to {levels[-1]}, or 'not observed' if the project "
        "did not show it."
    )
    attrs: dict[str, Any] = {"version": version_field()}
    for competency in competencies:
        names = field_names(competency.id)
        attrs[names["level"]] = RadioField(
            f"Level in {competency.name}",
            choices=[(v, v) for v in level_values],
            validate_choice=False,
            validators=[Optional(), AnyOf(level_values, message=level_message)],
        )
        attrs[names["ev_kind"]] = SelectField(
            "Kind of evidence",
            choices=[("", "Choose…")] + [(k.value, k.label) for k in EvidenceKind],
            validate_choice=False,
            validators=[
                Optional(),
                AnyOf([k.value for k in EvidenceKind], message="Choose a kind from the list."),
            ],
        )
        attrs[names["ev_text"]] = TextAreaField(
            "What you saw", validators=[Optional(), Length(max=EVIDENCE_TEXT_MAX)]
        )
        attrs[names["ev_url"]] = StringField(
            "Link (optional)",
            validators=[
                Optional(),
                Length(max=EVIDENCE_URL_MAX),
                Regexp(r"^https?://\S+$", message="A link starts with http:// or https://."),
            ],
        )
    return type("SheetForm", (FlaskForm,), attrs)
