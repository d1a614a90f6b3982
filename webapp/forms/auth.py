"""Sign-in form."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter your email address."),
            Length(max=254),
            Email(message="Enter a valid email address."),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    remember = BooleanField("Keep me signed in on this device")
