"""Forms for keeping the framework: shape checks only, the rules live in competencies/."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from competencies.models import PmiSide
from competencies.spec import (
    MAX_CODE,
    MAX_COMPETENCIES,
    MAX_CROSSWALK,
    MAX_LABEL,
    MAX_LEVEL_NAME,
    MAX_NAME,
    MAX_SCALE_LEVELS,
)

MAX_TEXT = 4000
NOT_REQUIRED = ""
REQUIREMENT_CHOICES = [(NOT_REQUIRED, "not required"), ("must", "must"), ("can", "can")]


def _none_if_blank(value: object) -> int | None:
    """Blank select values mean "none", which is not 0."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class LevelSelectField(SelectField):
    """A choice of scale level or blank; anything else gets one message a person understands."""

    message = "Choose a level on the scale, or leave the target blank."

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(self.message) from error

    def pre_validate(self, form: object) -> None:
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(self.message) from error


class ConfirmForm(FlaskForm):
    """A button that changes state: only the CSRF token is sent."""


class LockedForm(FlaskForm):
    """Carries the optimistic-lock counter the page was rendered with."""

    lock_version = HiddenField(validators=[Optional()])

    def expected_lock(self) -> int | None:
        value = (self.lock_version.data or "").strip()
        return int(value) if value.isdecimal() else None


class PublishForm(LockedForm):
    note = TextAreaField(
        "Change note",
        description="What changed in this version and why; people see it in the version list.",
        validators=[
            DataRequired(message="Write what changed in this version."),
            Length(max=MAX_TEXT),
        ],
        render_kw={"rows": 5},
    )


class FrameworkDetailsForm(LockedForm):
    name = StringField(
        "Framework name", validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)]
    )
    version_label = StringField(
        "Version label",
        description="Shown to everyone, e.g. 1.1 or 2026-spring.",
        validators=[DataRequired(message="Enter a version label."), Length(max=MAX_LABEL)],
    )
    code = StringField(
        "Framework code",
        description="Moodle's ID number for the framework; used in CSV exports.",
        validators=[Optional(), Length(max=100)],
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT * 4)], render_kw={"rows": 5}
    )
    source = TextAreaField(
        "Source",
        description="Where the framework comes from, e.g. the material or standard it follows.",
        validators=[Optional(), Length(max=MAX_TEXT)],
        render_kw={"rows": 2},
    )
    change_note = TextAreaField(
        "Working change note",
        description="Collect what you change here; you confirm it when publishing.",
        validators=[Optional(), Length(max=MAX_TEXT)],
    )


class ScaleLevelForm(Form):
    value = IntegerField(validators=[InputRequired()])
    name = StringField(
        "Name",
        validators=[DataRequired(message="Give every level a name."), Length(max=MAX_LEVEL_NAME)],
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )


class ScaleForm(LockedForm):
    scale_name = StringField(
        "Scale name", validators=[DataRequired(message="Enter a scale name."), Length(max=MAX_NAME)]
    )
    levels = FieldList(FormField(ScaleLevelForm), min_entries=0, max_entries=MAX_SCALE_LEVELS)


class AreaForm(LockedForm):
    code = StringField(
        "Code", validators=[DataRequired(message="Enter a code."), Length(max=MAX_CODE)]
    )
    name = StringField(
        "Name", validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)]
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )


class DescriptorForm(Form):
    level = IntegerField(validators=[InputRequired()])
    text = TextAreaField(validators=[Optional(), Length(max=MAX_TEXT)])


class CompetencyForm(LockedForm):
    code = StringField(
        "Code",
        description="Letters, digits, '.', '-' and '_', e.g. DEL-03.",
        validators=[DataRequired(message="Enter a code."), Length(max=MAX_CODE)],
    )
    name = StringField(
        "Name", validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)]
    )
    area_id = SelectField("Area", coerce=int, validators=[InputRequired()])
    parent_id = SelectField(
        "Sub-competency of",
        coerce=_none_if_blank,
        description="Leave at “none” for a competency directly in its area.",
        validators=[Optional()],
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )
    category = StringField("Category", validators=[Optional(), Length(max=40)])
    pmi_side = SelectField(
        "PMI Talent Triangle",
        choices=[("", "none"), *[(side.value, side.label) for side in PmiSide]],
        validators=[Optional()],
    )
    ecf_code = StringField(
        "e-CF code",
        description="e.g. E.2",
        validators=[Optional(), Length(max=MAX_CROSSWALK["ecf_code"])],
    )
    sfia_code = StringField(
        "SFIA code",
        description="e.g. PRMG",
        validators=[Optional(), Length(max=MAX_CROSSWALK["sfia_code"])],
    )
    icb4_element = StringField(
        "IPMA ICB4 element",
        validators=[Optional(), Length(max=MAX_CROSSWALK["icb4_element"])],
    )
    esco_uri = StringField(
        "ESCO concept URI",
        description="A web address starting with http:// or https://.",
        validators=[Optional(), Length(max=MAX_CROSSWALK["esco_uri"])],
    )
    related_ids = SelectMultipleField("Related competencies", coerce=int, validators=[Optional()])
    descriptors = FieldList(FormField(DescriptorForm), min_entries=0, max_entries=MAX_SCALE_LEVELS)


class RequirementRowForm(Form):
    competency_id = IntegerField(validators=[InputRequired()])
    requirement = SelectField(choices=REQUIREMENT_CHOICES, validators=[Optional()])
    target = LevelSelectField(coerce=_none_if_blank, validators=[Optional()])


class ProfileForm(LockedForm):
    code = StringField(
        "Code", validators=[DataRequired(message="Enter a code."), Length(max=MAX_CODE)]
    )
    name = StringField(
        "Name", validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)]
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )
    qualifications = TextAreaField(
        "Expected qualifications",
        description="One per line; a candidate needs any one of them.",
        validators=[Optional(), Length(max=MAX_TEXT)],
        render_kw={"rows": 6},
    )
    rows = FieldList(FormField(RequirementRowForm), min_entries=0, max_entries=MAX_COMPETENCIES)


class NewProfileForm(FlaskForm):
    code = StringField(
        "Code", validators=[DataRequired(message="Enter a code."), Length(max=MAX_CODE)]
    )
    name = StringField(
        "Name", validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)]
    )
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=MAX_TEXT)], render_kw={"rows": 4}
    )
    qualifications = TextAreaField(
        "Expected qualifications",
        description="One per line.",
        validators=[Optional(), Length(max=MAX_TEXT)],
    )


class CopyProfileForm(FlaskForm):
    code = StringField(
        "Code of the copy", validators=[DataRequired(message="Enter a code."), Length(max=MAX_CODE)]
    )
    name = StringField(
        "Name of the copy",
        validators=[DataRequired(message="Enter a name."), Length(max=MAX_NAME)],
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Framework file",
        description="A CSV in Moodle's competency-framework layout, or a CASE 1.0 JSON package.",
        validators=[FileRequired(message="Choose a file to import.")],
    )
    file_format = SelectField(
        "Format",
        choices=[("", "Recognise from the file"), ("csv", "CSV (Moodle)"), ("case", "CASE JSON")],
        validators=[Optional()],
    )
