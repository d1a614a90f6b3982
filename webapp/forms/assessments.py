"""Forms of the self-assessment: one dynamic form per area, and the submit confirmation.

Shape only: which values are allowed, lengths, required fields. The rules (editable state,
optimistic locking, completeness, file contents) live in ``assessments.access``, ``.answers``
and ``.submission``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp

from assessments.evidence import EVIDENCE_TEXT_MAX, EVIDENCE_URL_MAX
from assessments.models import EvidenceKind
from assessments.rounds import NOTE_MAX
from competencies.models import Competency

NOT_ASSESSED = "na"
CONFIDENCE_LABELS = {"1": "Unsure", "2": "Fairly sure", "3": "Sure"}
INTEREST_LABELS = {"1": "Low", "2": "Some", "3": "High"}
VERSION_MISSING = "The form is missing its version number. Reload the page and try again."


def version_field() -> HiddenField:
    """The optimistic-locking version every form of a draft sends back."""
    return HiddenField(
        validators=[
            InputRequired(message=VERSION_MISSING),
            Regexp(r"^\d{1,9}$", message=VERSION_MISSING),
        ]
    )


class StartRoundForm(FlaskForm):
    note = StringField(
        "Note for this round (optional)",
        description="For example: after the PRINCE2 course, or before the annual review.",
        validators=[Optional(), Length(max=NOTE_MAX)],
    )


class SubmitForm(FlaskForm):
    version = version_field()
    confirm = BooleanField(
        "I have checked my answers and understand that a submitted round can no longer be changed.",
        validators=[DataRequired(message="Tick the box to confirm you want to submit.")],
    )


class VersionOnlyForm(FlaskForm):
    version = version_field()


def field_names(competency_id: int) -> dict[str, str]:
    """The names of one competency's fields in the area form."""
    prefix = f"c{competency_id}_"
    return {
        key: prefix + key
        for key in ("level", "confidence", "interest", "ev_kind", "ev_text", "ev_url", "ev_file")
    }


def build_area_form(competencies: Sequence[Competency], levels: Sequence[int]) -> type[FlaskForm]:
    """A form class for one area: a level, confidence, interest and evidence per competency."""
    level_values = [str(v) for v in levels] + [NOT_ASSESSED]
    level_message = (
        f"Choose a level from {levels[0]} to {levels[-1]}, or 'not assessed' if you cannot judge."
    )
    attrs: dict[str, Any] = {"version": version_field()}
    for competency in competencies:
        names = field_names(competency.id)
        attrs[names["level"]] = RadioField(
            f"Your level in {competency.name}",
            choices=[(v, v) for v in level_values],
            validate_choice=False,
            validators=[Optional(), AnyOf(level_values, message=level_message)],
        )
        attrs[names["confidence"]] = RadioField(
            "How sure are you?",
            choices=list(CONFIDENCE_LABELS.items()),
            validate_choice=False,
            validators=[Optional(), AnyOf(list(CONFIDENCE_LABELS), message="Choose 1, 2 or 3.")],
        )
        attrs[names["interest"]] = RadioField(
            "How keen are you to grow here?",
            choices=list(INTEREST_LABELS.items()),
            validate_choice=False,
            validators=[Optional(), AnyOf(list(INTEREST_LABELS), message="Choose 1, 2 or 3.")],
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
            "What shows it",
            validators=[Optional(), Length(max=EVIDENCE_TEXT_MAX)],
        )
        attrs[names["ev_url"]] = StringField(
            "Link (optional)",
            validators=[
                Optional(),
                Length(max=EVIDENCE_URL_MAX),
                Regexp(r"^https?://\S+$", message="A link starts with http:// or https://."),
            ],
        )
        attrs[names["ev_file"]] = FileField("File (optional)")
    return type("AreaForm", (FlaskForm,), attrs)
