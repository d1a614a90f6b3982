"""Forms for administrators."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from core.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, Role


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
