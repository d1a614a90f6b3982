"""Feedback rounds from colleagues: opening a round, asking raters, following progress,
answering (signed in or through a one-time link) and the results once the round has closed.

Nothing here shows who answered: the round page counts answers per group, reminders go to
whoever has not answered without saying who that is, and results follow the rules in
``feedback.results``.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from competencies.models import Competency
from competencies.services import current_framework
from core.audit import record_event
from core.csv_export import to_csv
from core.db import utcnow
from core.errors import ConflictError, ValidationError
from core.line_managers import direct_reports
from core.users import Role, User
from feedback import answering, results, rounds
from feedback.models import ANONYMITY_FLOOR, FeedbackRater, FeedbackRound
from feedback.receipts import receipt_key
from person_profile.build import build_person_profile
from person_profile.target import aimed_role
from webapp.auth import roles_required
from webapp.extensions import db
from webapp.forms.feedback import ActionForm, AnswerForm, MinimumForm, OpenRoundForm, RaterForm
from webapp.ids import parse_id
from webapp.mail import render_mail, send_after_commit
from webapp.transactions import form_status, problems_of, refusal_of

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

PARTICIPANTS = (Role.CANDIDATE, Role.MANAGER, Role.HR)
DEFAULT_OPEN_DAYS = timedelta(days=14)


def _today():
    return utcnow().date()


# ---------------------------------------------------------------- overview


@bp.route("/")
@roles_required(*PARTICIPANTS)
def index():
    today = _today()
    return render_template(
        "feedback/index.html",
        requests=answering.open_requests_for(db.session, current_user, today),
        mine=rounds.rounds_about(db.session, current_user.id),
        followed=rounds.rounds_followed_by(db.session, current_user),
        progress_of=rounds.progress_of,
        today=today,
    )


# ---------------------------------------------------------------- opening a round


def _people_for(actor: User) -> list[User]:
    """Whom ``actor`` may open a round about: themself, their reports; HR anyone active."""
    if actor.has_role(Role.HR):
        people = db.session.query(User).filter(User.is_active.is_(True), User.role != Role.ADMIN)
        return sorted(people, key=lambda u: (u.id != actor.id, u.name.lower(), u.id))
    return [actor, *direct_reports(db.session, actor.id)]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*PARTICIPANTS)
def new():
    framework = current_framework(db.session)
    if framework is None:
        flash("There is no published framework to ask about yet.", "warning")
        return redirect(url_for("feedback.index"))
    people = _people_for(current_user)
    form = OpenRoundForm()
    form.person_id.choices = [(str(p.id), p.name) for p in people]
    competencies = db.session.query(Competency).filter_by(framework_id=framework.id)
    competencies = sorted(competencies, key=lambda c: (c.area.position, c.position, c.id))
    form.competency_ids.choices = [(c.id, f"{c.name} ({c.code})") for c in competencies]
    chosen_id = parse_id(request.values.get("person_id")) or current_user.id
    subject = next((p for p in people if p.id == chosen_id), current_user)
    if not form.is_submitted():
        form.person_id.data = str(subject.id)
        aimed = aimed_role(db.session, subject.id)
        form.competency_ids.data = rounds.default_question_ids(
            db.session, aimed.role if aimed else None, framework.id
        )
        form.min_raters.data = ANONYMITY_FLOOR
        form.closes_on.data = _today() + DEFAULT_OPEN_DAYS
    problems: list[str] = []
    if form.validate_on_submit():
        choice = rounds.RoundInput(
            competency_ids=form.competency_ids.data or [],
            closes_on=form.closes_on.data,
            message=form.message.data or "",
            managers_attributed=bool(form.managers_attributed.data),
            min_raters=form.min_raters.data,
        )
        opened, problems = problems_of(
            lambda: rounds.open_round(
                db.session, current_user, subject, framework.id, choice, today=_today()
            )
        )
        if opened is not None:
            flash(
                f"The round about {subject.name} is open. Now ask colleagues for feedback.",
                "success",
            )
            return redirect(url_for("feedback.detail", round_id=opened.id), code=303)
    return render_template(
        "feedback/new.html", form=form, subject=subject, problems=problems
    ), form_status(form, problems)


# ---------------------------------------------------------------- one round


def _load(round_id: int) -> FeedbackRound:
    return rounds.load_round(db.session, round_id, current_user)


def _render_detail(
    fr: FeedbackRound, *, rater_form=None, minimum_form=None, problems=(), status=200
):
    today = _today()
    return render_template(
        "feedback/detail.html",
        round=fr,
        progress=rounds.progress_of(fr),
        closed=fr.is_closed(today),
        to_remind=len(rounds.raters_to_remind(fr)),
        rater_form=rater_form or RaterForm(formdata=None),
        minimum_form=minimum_form or MinimumForm(formdata=None, min_raters=fr.min_raters),
        action_form=ActionForm(formdata=None),
        problems=list(problems),
    ), status


def _expired(fr: FeedbackRound):
    """A button's form without its security token: say so, change nothing."""
    return _render_detail(fr, problems=["The form expired. Try again."], status=400)


@bp.route("/<int:round_id>")
@roles_required(*PARTICIPANTS)
def detail(round_id: int):
    return _render_detail(_load(round_id))


def _request_link(rater: FeedbackRater, token: str | None) -> str:
    if token:
        return url_for("feedback.link", token=token, _external=True)
    return url_for("feedback.answer", rater_id=rater.id, _external=True)


def _mail_rater(name: str, fr: FeedbackRound, rater: FeedbackRater, token: str | None) -> None:
    send_after_commit(
        render_mail(
            name,
            rater.email,
            rater=rater,
            round=fr,
            asker=current_user,
            link=_request_link(rater, token),
        )
    )


@bp.route("/<int:round_id>/raters", methods=["POST"])
@roles_required(*PARTICIPANTS)
def add_rater(round_id: int):
    fr = _load(round_id)
    form = RaterForm()
    if not form.validate():
        return _render_detail(fr, rater_form=form, status=400)
    asked, problems = problems_of(
        lambda: rounds.ask_rater(
            db.session,
            fr,
            current_user,
            group=form.group.data,
            email=form.email.data,
            name=form.name.data,
            today=_today(),
        )
    )
    if asked is None:
        return _render_detail(_load(round_id), rater_form=form, problems=problems, status=422)
    _mail_rater("feedback_request", fr, asked.rater, asked.link_token)
    flash(
        f"{asked.rater.name} is asked for feedback; a mail with the link is on its way.", "success"
    )
    return redirect(url_for("feedback.detail", round_id=fr.id), code=303)


@bp.route("/<int:round_id>/remind", methods=["POST"])
@roles_required(*PARTICIPANTS)
def remind(round_id: int):
    fr = _load(round_id)
    if not ActionForm().validate():
        return _expired(fr)
    reminded = rounds.remind(db.session, fr, current_user, today=_today())
    for rater, token in reminded:
        _mail_rater("feedback_reminder", fr, rater, token)
    if reminded:
        flash(
            f"Reminders are on their way to {len(reminded)} people who have not answered.",
            "success",
        )
    else:
        flash("Nobody needs a reminder now: everyone answered or was reminded today.", "info")
    return redirect(url_for("feedback.detail", round_id=fr.id), code=303)


@bp.route("/<int:round_id>/close", methods=["POST"])
@roles_required(*PARTICIPANTS)
def close(round_id: int):
    fr = _load(round_id)
    if not ActionForm().validate():
        return _expired(fr)
    rounds.close_round(db.session, fr, current_user, today=_today())
    flash("The round is closed. Its results are below.", "success")
    return redirect(url_for("feedback.results_page", round_id=fr.id), code=303)


@bp.route("/<int:round_id>/minimum", methods=["POST"])
@roles_required(Role.HR)
def minimum(round_id: int):
    fr = _load(round_id)
    form = MinimumForm()
    if not form.validate():
        return _render_detail(fr, minimum_form=form, status=400)
    _, problems = problems_of(
        lambda: rounds.raise_minimum(db.session, fr, current_user, form.min_raters.data)
    )
    if problems:
        return _render_detail(_load(round_id), minimum_form=form, problems=problems, status=422)
    flash(f"Groups now need at least {form.min_raters.data} answers to be shown.", "success")
    return redirect(url_for("feedback.detail", round_id=fr.id), code=303)


@bp.route("/<int:round_id>/results")
@roles_required(*PARTICIPANTS)
def results_page(round_id: int):
    fr = _load(round_id)
    today = _today()
    if not fr.is_closed(today):
        raise ConflictError(
            f"Results appear when the round closes, after {fr.closes_on:%d %b %Y}. "
            "Until then only the number of answers per group is shown."
        )
    profile = build_person_profile(db.session, fr.subject_id)
    shown = results.results_of(
        fr,
        results.load_responses(db.session, [fr.id])[fr.id],
        today=today,
        self_levels={r.uuid: r.self_level for r in profile.rows if r.self_level is not None},
        evaluated_levels={
            r.uuid: r.evaluated_level for r in profile.rows if r.evaluated_level is not None
        },
    )
    return render_template("feedback/results.html", round=fr, results=shown)


@bp.route("/export.csv")
@roles_required(Role.HR)
def export_csv():
    """Every closed round's shown figures; never one rater's answer."""
    rows = results.export_rows(db.session, _today())
    record_event(
        db.session,
        actor=current_user,
        action="feedback.export",
        entity=current_user,
        after={"rows": len(rows)},
    )
    response = Response(to_csv([results.EXPORT_HEADER, *rows]), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="proficio-feedback.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- answering


def _levels(fr: FeedbackRound):
    return {level.value: level for level in fr.framework.scale_levels}


def _choices_from_form(rater: FeedbackRater) -> dict[int, str]:
    return {
        q.competency_id: request.form.get(f"c{q.competency_id}", "") for q in rater.round.questions
    }


def _answer_page(rater: FeedbackRater, urls: dict[str, str], *, form=None, problems=(), status=200):
    fr = rater.round
    draft = {d.competency_id: d.level for d in rater.draft}
    posted = _choices_from_form(rater) if request.method == "POST" else {}
    fields = {}
    for q in fr.questions:
        if q.competency_id in posted:
            value = posted[q.competency_id]
        elif q.competency_id in draft:
            level = draft[q.competency_id]
            value = answering.NOT_OBSERVED if level is None else str(level)
        else:
            value = ""
        fields[q.competency_id] = SimpleNamespace(name=f"c{q.competency_id}", data=value, errors=[])
    if form is None:
        form = AnswerForm(formdata=None, version=str(rater.version), comment=rater.draft_comment)
    return render_template(
        "feedback/answer.html",
        rater=rater,
        round=fr,
        fields=fields,
        levels=_levels(fr),
        answered=sum(1 for f in fields.values() if f.data),
        form=form,
        urls=urls,
        not_observed=answering.NOT_OBSERVED,
        problems=list(problems),
    ), status


def _handle_answer(rater: FeedbackRater, urls: dict[str, str]):
    if request.method == "GET":
        return _answer_page(rater, urls)
    form = AnswerForm()
    if not form.validate():
        return _answer_page(rater, urls, form=form, status=400)
    today = _today()
    _, error = refusal_of(
        lambda: answering.save_draft(
            db.session,
            rater,
            _choices_from_form(rater),
            form.comment.data or "",
            expected_version=int(form.version.data),
            today=today,
        ),
        (ValidationError, ConflictError),
    )
    if error is None and form.action.data == "submit":
        key = receipt_key(current_app.secret_key)
        _, error = refusal_of(
            lambda: answering.submit(db.session, rater, receipt_key=key, today=today),
            (ValidationError, ConflictError),
        )
    if error is not None:
        problems = [error.message, *getattr(error, "problems", [])]
        return _answer_page(rater, urls, form=form, problems=problems, status=error.status_code)
    if form.action.data == "submit":
        return redirect(url_for("feedback.thanks"), code=303)
    flash("Your answers are saved. Submit them when you are done.", "success")
    return redirect(urls["page"], code=303)


def _handle_autosave(rater: FeedbackRater):
    form = AnswerForm()
    if not form.validate():
        return jsonify(message="Not saved: the page is out of date. Reload it."), 400
    version, error = refusal_of(
        lambda: answering.save_draft(
            db.session,
            rater,
            _choices_from_form(rater),
            form.comment.data or "",
            expected_version=int(form.version.data),
            today=_today(),
        ),
        (ValidationError, ConflictError),
    )
    if error is not None:
        return jsonify(message=error.message), error.status_code
    return jsonify(version=version, message=f"All changes saved at {utcnow():%H:%M:%S} UTC.")


def _account_rater(rater_id: int) -> FeedbackRater:
    return answering.rater_for_account(db.session, rater_id, current_user, _today())


@bp.route("/requests/<int:rater_id>", methods=["GET", "POST"])
@login_required
def answer(rater_id: int):
    rater = _account_rater(rater_id)
    urls = {
        "page": url_for("feedback.answer", rater_id=rater_id),
        "autosave": url_for("feedback.answer_autosave", rater_id=rater_id),
    }
    return _handle_answer(rater, urls)


@bp.route("/requests/<int:rater_id>/autosave", methods=["POST"])
@login_required
def answer_autosave(rater_id: int):
    return _handle_autosave(_account_rater(rater_id))


@bp.route("/link/<token>", methods=["GET", "POST"])
def link(token: str):
    rater = answering.rater_for_link(db.session, token, _today())
    urls = {
        "page": url_for("feedback.link", token=token),
        "autosave": url_for("feedback.link_autosave", token=token),
    }
    response = _handle_answer(rater, urls)
    return response


@bp.route("/link/<token>/autosave", methods=["POST"])
def link_autosave(token: str):
    return _handle_autosave(answering.rater_for_link(db.session, token, _today()))


@bp.route("/thanks")
def thanks():
    return render_template("feedback/thanks.html")
