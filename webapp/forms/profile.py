"""Forms for what a candidate brings: target role, qualifications and certifications."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from assessments.certification_catalogue import catalogue
from assessments.credentials import CREDENTIAL_ID_MAX, TEXT_MAX
from assessments.models import CertificationCategory, QualificationKind

DATE_MESSAGE = "Enter a real date (for example 2024-06-30)."


class FriendlyDateField(DateField):
    """A date field whose error says what to type instead of "Not a valid date value"."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(DATE_MESSAGE) from error


class TargetRoleForm(FlaskForm):
    role_profile_id = RadioField(
        "Target role",
        coerce=str,
        validate_choice=False,
        validators=[InputRequired(message="Choose the role you are aiming for.")],
    )


class QualificationForm(FlaskForm):
    kind = SelectField(
        "Kind of qualification",
        choices=[("", "Choose…")] + [(k.value, k.label) for k in QualificationKind],
        validate_choice=False,
        validators=[
            DataRequired(message="Choose the kind of qualification."),
            AnyOf([k.value for k in QualificationKind], message="Choose a kind from the list."),
        ],
    )
    title = StringField(
        "Subject or title",
        description="Required for “Other qualification”, e.g. “MSc Business Informatics”.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    institution = StringField(
        "University, school or chamber", validators=[Optional(), Length(max=TEXT_MAX)]
    )
    completed_on = FriendlyDateField(
        "Completed on (optional)",
        validators=[Optional()],
        render_kw={"max": "9999-12-31"},
    )


class CertificationForm(FlaskForm):
    catalogue_code = SelectField(
        "Certification",
        choices=[("", "Other — type its details below")] + [(e.code, e.name) for e in catalogue()],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf([e.code for e in catalogue()], message="Choose a certification from the list."),
        ],
        description="Choosing one fills in the issuer and category and works out the expiry "
        "date from its validity. Fields below left blank are taken from the list.",
    )
    name = StringField(
        "Name (for “Other”)",
        description="For example “PMI Agile Certified Practitioner (PMI-ACP)”.",
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    issuer = StringField("Issued by", validators=[Optional(), Length(max=TEXT_MAX)])
    category = SelectField(
        "Category",
        choices=[("", "Choose…")] + [(c.value, c.label) for c in CertificationCategory],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(
                [c.value for c in CertificationCategory], message="Choose a category from the list."
            ),
        ],
    )
    obtained_on = FriendlyDateField(
        "Obtained on", validators=[InputRequired(message="Enter the date you obtained it.")]
    )
    expires_on = FriendlyDateField(
        "Expires on (if it expires)",
        validators=[Optional()],
        description="Left blank for a certification from the list: worked out from its validity.",
    )
    credential_id = StringField(
        "Credential ID (optional)", validators=[Optional(), Length(max=CREDENTIAL_ID_MAX)]
    )
