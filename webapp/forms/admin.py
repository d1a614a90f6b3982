"""Forms for administrators."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Role
from webapp.forms.confirm import PasswordConfirmedForm


class UserCreateForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter an email address."),
            Length(max=254),
            Email(message="Enter a valid email address."),
        ],
    )
    name = StringField(
        "Full name", validators=[DataRequired(message="Enter a name."), Length(max=120)]
    )
    role = SelectField(
        "Role",
        choices=[(r.value, r.label) for r in Role],
        validators=[DataRequired(message="Choose a role.")],
    )
    password = PasswordField(
        "Initial password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters; the person should change it.",
        validators=[
            DataRequired(message="Enter an initial password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit log; sent by GET, so no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField("Actor email contains", validators=[Optional(), Length(max=254)])
    action = StringField("Action starts with", validators=[Optional(), Length(max=80)])
    entity_type = SelectField("Entity", validators=[Optional()], validate_choice=True)
    since = DateField("From", validators=[Optional()])
    until = DateField("Until (inclusive)", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date must not be before the start date.")


class UserEditForm(PasswordConfirmedForm):
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role])
    is_active = BooleanField("Can sign in")
