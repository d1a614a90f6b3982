"""Asking for the signed-in person's password again before a step that is hard to undo."""

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError

from core.users import MAX_PASSWORD_LENGTH


class PasswordConfirmedForm(FlaskForm):
    """A form whose submission also needs the signer's own password (erase, role changes,
    bulk exports): a session left open on a shared screen is not enough for those."""

    current_password = PasswordField(
        "Your password, to confirm",
        validators=[
            DataRequired(message="Enter your own password to confirm this step."),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )

    def validate_current_password(self, field: PasswordField) -> None:
        if not current_user.check_password(field.data or ""):
            raise ValidationError("That is not your password; nothing was changed.")
