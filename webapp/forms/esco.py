"""Forms for importing an ESCO occupation: shape checks only; the files are checked in
competencies.interchange.esco_files, the choices in competencies.esco."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class EscoUploadForm(FlaskForm):
    files = MultipleFileField(
        "ESCO files",
        description=(
            "A ZIP of the ESCO CSV download, or the files themselves: occupations_en.csv, "
            "skills_en.csv and occupationSkillRelations.csv (v1.1) or "
            "occupationSkillRelations_en.csv (v1.2)."
        ),
    )
    occupation = StringField(
        "Occupation URI",
        description="As ESCO shows it, e.g. "
        "http://data.europa.eu/esco/occupation/8b6388a4-4904-471b-9331-d3b1211f5525 "
        "(ICT project manager); the UUID alone will do.",
        validators=[DataRequired(message="Name the ESCO occupation to import."), Length(max=300)],
    )
    esco_version = StringField(
        "ESCO version",
        description="E.g. 1.1.1. Left empty, it is guessed from the file names (marked a guess).",
        validators=[
            Optional(),
            Length(max=20),
            Regexp(r"^v?\d+(\.\d+){0,3}$", message="Write the version as ESCO does, e.g. 1.1.1."),
        ],
    )


class EscoConfirmForm(FlaskForm):
    occupation = HiddenField(validators=[DataRequired(), Length(max=300)])
    esco_version = HiddenField(validators=[Optional(), Length(max=20)])


class EscoDecisionForm(FlaskForm):
    """CSRF only: the per-skill choices are read by name (skill-<n>, follow-<uuid>)."""
