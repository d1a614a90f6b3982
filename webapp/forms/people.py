"""Forms for HR's people directory: finding a person and setting their line manager."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional


class PeopleSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or email contains", validators=[Optional(), Length(max=254)])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100000)])


class LineManagerForm(FlaskForm):
    line_manager_id = SelectField(
        "Line manager",
        description="Sees and works on this person's development plans with them.",
        validate_choice=True,
    )
