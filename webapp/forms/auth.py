"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from core.users import EMAIL_MAX_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _own_email_field() -> EmailField:
    """The person's own e-mail address, as they sign in with it."""
    return EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=EMAIL_MAX_LENGTH),
            Email(message="Enter a valid email address."),
        ],
    )


class LoginForm(FlaskForm):
    email = _own_email_field()
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = _own_email_field()


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (the length rule is checked again by ``core.users``)."""

    password = PasswordField(
        "Choose a password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[
            DataRequired(message="Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=f"Use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[
            DataRequired(message="Repeat the password."),
            EqualTo("password", message="The two passwords are not the same."),
        ],
    )
