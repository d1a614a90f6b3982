"""HR keeps the framework in the browser: drafts, editing, publishing, comparing, exporting."""

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from competencies.models import Competency, Framework, LevelDescriptor, RoleProfile
from core.audit import AuditEvent


def _framework(db_session, status="published"):
    db_session.expire_all()
    return db_session.scalar(sa.select(Framework).where(Framework.status == status))


def _start_draft(client, db_session):
    published = _framework(db_session)
    response = client.post(f"/framework/versions/{published.id}/draft")
    assert response.status_code == 302
    return _framework(db_session, "draft")


def _competency(db_session, framework, code):
    return db_session.scalar(
        sa.select(Competency).where(
            Competency.framework_id == framework.id, Competency.code == code
        )
    )


def _competency_form(competency, levels=range(6), **changes):
    data = {
        "lock_version": str(competency.lock_version),
        "code": competency.code,
        "name": competency.name,
        "area_id": str(competency.area_id),
        "parent_id": "",
        "description": competency.description,
        "category": competency.category,
        "pmi_side": competency.pmi_side or "",
        "ecf_code": competency.ecf_code or "",
        "sfia_code": competency.sfia_code or "",
        "icb4_element": competency.icb4_element or "",
        "esco_uri": competency.esco_uri or "",
    }
    texts = {d.level: d.description for d in competency.level_descriptors}
    for index, level in enumerate(levels):
        data[f"descriptors-{index}-level"] = str(level)
        data[f"descriptors-{index}-text"] = texts.get(level, "")
    data.update(changes)
    return data


def test_versions_page_shows_the_current_version_and_a_start_draft_button(hr_client):
    html = hr_client.get("/framework/versions/").get_data(as_text=True)
    assert "Proficio IT Project Manager Framework" in html
    assert "current" in html and "Start a draft" in html


def test_start_a_draft_edit_a_descriptor_publish_and_see_the_change(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    page = hr_client.get(f"/framework/versions/{draft.id}").get_data(as_text=True)
    assert "Draft started" in page and "Publish…" in page
    planning = _competency(db_session, draft, "DEL-01")
    url = f"/framework/versions/{draft.id}/competencies/{planning.id}/edit"
    assert hr_client.get(url).status_code == 200
    response = hr_client.post(
        url, data=_competency_form(planning, **{"descriptors-3-text": "Plans with the team."})
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    texts = {d.level: d.description for d in planning.level_descriptors}
    assert texts[3] == "Plans with the team."
    response = hr_client.post(
        f"/framework/versions/{draft.id}/publish",
        data={"note": "Planning level 3 rewritten.", "lock_version": str(draft.lock_version)},
    )
    assert response.status_code == 302
    assert "/framework/versions/compare" in response.headers["Location"]
    diff = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Plans with the team." in diff and "Level 3 indicator" in diff
    assert _framework(db_session).id == draft.id
    # Everyone now reads the new version.
    assert "Plans with the team." in hr_client.get(
        f"/framework/competencies/{planning.id}"
    ).get_data(as_text=True)


def test_publishing_without_a_note_is_refused(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    response = hr_client.post(f"/framework/versions/{draft.id}/publish", data={"note": ""})
    assert response.status_code == 400
    assert "Write what changed in this version." in response.get_data(as_text=True)
    assert _framework(db_session, "draft").id == draft.id


def test_bad_competency_input_is_a_422_with_messages_and_nothing_changes(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    planning = _competency(db_session, draft, "DEL-01")
    esco_before = planning.esco_uri
    response = hr_client.post(
        f"/framework/versions/{draft.id}/competencies/{planning.id}/edit",
        data=_competency_form(planning, code="TEC-01", esco_uri="javascript:alert(1)"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Another competency already has the code TEC-01." in html
    assert "must be a web address" in html
    db_session.expire_all()
    assert planning.code == "DEL-01" and planning.esco_uri == esco_before


def test_a_stale_competency_save_is_a_conflict(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    planning = _competency(db_session, draft, "DEL-01")
    url = f"/framework/versions/{draft.id}/competencies/{planning.id}/edit"
    stale = _competency_form(planning, name="First")
    assert hr_client.post(url, data=stale).status_code == 302
    stale["name"] = "Second"
    response = hr_client.post(url, data=stale)
    assert response.status_code == 409
    assert "Someone else changed competency DEL-01" in response.get_data(as_text=True)
    db_session.expire_all()
    assert planning.name == "First"


def test_editing_urls_of_a_published_version_answer_409(hr_client, db_session):
    published = _framework(db_session)
    planning = _competency(db_session, published, "DEL-01")
    response = hr_client.post(
        f"/framework/versions/{published.id}/competencies/{planning.id}/edit",
        data=_competency_form(planning, name="Changed"),
    )
    assert response.status_code == 409
    assert "never changes" in response.get_data(as_text=True)
    db_session.expire_all()
    assert planning.name == "Planning"


def test_add_move_and_remove_a_competency(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    area = next(a for a in draft.areas if a.code == "DEL")
    response = hr_client.post(
        f"/framework/versions/{draft.id}/competencies/new",
        data={
            "code": "DEL-03",
            "name": "Risk management",
            "area_id": str(area.id),
            "parent_id": "",
            "descriptors-0-level": "1",
            "descriptors-0-text": "Keeps a risk list.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    added = _competency(db_session, draft, "DEL-03")
    assert [d.level for d in added.level_descriptors] == [1]
    move = hr_client.post(
        f"/framework/versions/{draft.id}/competencies/{added.id}/move", data={"direction": "up"}
    )
    assert move.status_code == 302
    confirm = hr_client.get(f"/framework/versions/{draft.id}/competencies/{added.id}/delete")
    assert "Remove Risk management" in confirm.get_data(as_text=True)
    gone = hr_client.post(f"/framework/versions/{draft.id}/competencies/{added.id}/delete")
    assert gone.status_code == 302
    assert _competency(db_session, draft, "DEL-03") is None


def test_scale_names_can_be_edited(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    form = {"scale_name": "Proficio scale", "lock_version": str(draft.lock_version)}
    for index, level in enumerate(draft.scale_levels):
        form[f"levels-{index}-value"] = str(level.value)
        form[f"levels-{index}-name"] = "Beginner" if level.value == 1 else level.name
        form[f"levels-{index}-description"] = level.description
    assert hr_client.get(f"/framework/versions/{draft.id}/scale").status_code == 200
    assert hr_client.post(f"/framework/versions/{draft.id}/scale", data=form).status_code == 302
    db_session.expire_all()
    assert draft.scale_name == "Proficio scale"
    assert [lv.name for lv in draft.scale_levels][1] == "Beginner"


def test_details_and_areas_can_be_edited(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    response = hr_client.post(
        f"/framework/versions/{draft.id}/details",
        data={
            "name": draft.name,
            "version_label": "2.0",
            "code": "PROFICIO-ITPM",
            "description": "New description",
            "source": "Our own interviews",
            "change_note": "Work in progress",
            "lock_version": str(draft.lock_version),
        },
    )
    assert response.status_code == 302
    response = hr_client.post(
        f"/framework/versions/{draft.id}/areas/new", data={"code": "GOV", "name": "Governance"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert draft.version_label == "2.0" and "GOV" in [a.code for a in draft.areas]
    assert draft.source == "Our own interviews"


def _profile_form(db_session, draft, profile, overrides):
    competencies = db_session.scalars(
        sa.select(Competency)
        .where(Competency.framework_id == draft.id)
        .order_by(Competency.position)
    ).all()
    current = {r.competency_id: r for r in profile.requirements}
    form = {
        "code": profile.code,
        "name": profile.name,
        "description": profile.description,
        "qualifications": "\n".join(profile.qualifications),
        "lock_version": str(profile.lock_version),
    }
    for index, c in enumerate(competencies):
        req = current.get(c.id)
        requirement, target = overrides.get(
            c.code,
            (
                req.requirement if req else "",
                "" if req is None or req.target_level is None else str(req.target_level),
            ),
        )
        form[f"rows-{index}-competency_id"] = str(c.id)
        form[f"rows-{index}-requirement"] = requirement
        form[f"rows-{index}-target"] = target
    return form


def _requirement(db_session, profile, code):
    db_session.expire_all()
    return next((r for r in profile.requirements if r.competency.code == code), None)


def test_role_profile_editor_keeps_blank_target_apart_from_zero(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    profile = db_session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == draft.id, RoleProfile.code == "ITPM"
        )
    )
    page = hr_client.get(f"/framework/versions/{draft.id}/roles/{profile.id}")
    assert page.status_code == 200 and "no particular level (not the same as 0)" in page.get_data(
        as_text=True
    )
    form = _profile_form(
        db_session,
        draft,
        profile,
        {
            "LEA-02": ("must", "4"),
            "LEA-04": ("can", ""),
            "PER-03": ("can", "0"),
            "PER-04": ("", ""),
        },
    )
    response = hr_client.post(f"/framework/versions/{draft.id}/roles/{profile.id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _requirement(db_session, profile, "LEA-02").target_level == 4
    assert _requirement(db_session, profile, "LEA-04").target_level is None
    assert _requirement(db_session, profile, "PER-03").target_level == 0
    assert _requirement(db_session, profile, "PER-04") is None


def test_role_profile_target_outside_the_scale_is_refused(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    profile = db_session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == draft.id, RoleProfile.code == "ITPM"
        )
    )
    before = _requirement(db_session, profile, "LEA-02").target_level
    for bad in ("9", "-1", "abc", "2.5"):
        form = _profile_form(db_session, draft, profile, {"LEA-02": ("must", bad)})
        response = hr_client.post(f"/framework/versions/{draft.id}/roles/{profile.id}", data=form)
        assert response.status_code == 400, bad
        assert "Choose a level on the scale, or leave the target blank." in response.get_data(
            as_text=True
        )
    form = _profile_form(db_session, draft, profile, {"LEA-02": ("", "3")})
    response = hr_client.post(f"/framework/versions/{draft.id}/roles/{profile.id}", data=form)
    assert response.status_code == 422
    assert "a target needs a requirement" in response.get_data(as_text=True)
    assert _requirement(db_session, profile, "LEA-02").target_level == before


def test_create_copy_and_retire_a_role_profile(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    response = hr_client.post(
        f"/framework/versions/{draft.id}/roles/new",
        data={"code": "PMO", "name": "PMO Analyst", "qualifications": "PRINCE2\nIPMA D"},
    )
    assert response.status_code == 302
    itpm = db_session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == draft.id, RoleProfile.code == "ITPM"
        )
    )
    response = hr_client.post(
        f"/framework/versions/{draft.id}/roles/{itpm.id}/copy",
        data={"code": "ITPM-X", "name": "IT Project Manager (external)"},
    )
    assert response.status_code == 302
    assert (
        hr_client.post(f"/framework/versions/{draft.id}/roles/{itpm.id}/retire").status_code == 302
    )
    db_session.expire_all()
    codes = {p.code: p for p in draft.role_profiles}
    assert codes["PMO"].qualifications == ["PRINCE2", "IPMA D"]
    assert len(codes["ITPM-X"].requirements) == len(itpm.requirements)
    assert codes["ITPM"].is_retired


def test_discard_a_draft(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    assert "cannot be undone" in hr_client.get(f"/framework/versions/{draft.id}/discard").get_data(
        as_text=True
    )
    assert hr_client.post(f"/framework/versions/{draft.id}/discard").status_code == 302
    assert _framework(db_session, "draft") is None


def test_exports_download_as_attachments(hr_client, db_session):
    published = _framework(db_session)
    response = hr_client.get(f"/framework/versions/{published.id}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Parent ID number" and rows[1][12] == "1"
    case = hr_client.get(f"/framework/versions/{published.id}/export.json")
    assert json.loads(case.get_data(as_text=True))["CFDocument"]["identifier"] == published.uuid


def test_every_change_writes_an_audit_event_with_the_actor(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    planning = _competency(db_session, draft, "DEL-01")
    hr_client.post(
        f"/framework/versions/{draft.id}/competencies/{planning.id}/edit",
        data=_competency_form(planning, name="Project planning"),
    )
    hr_client.post(f"/framework/versions/{draft.id}/publish", data={"note": "Renamed planning."})
    db_session.expire_all()
    events = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("framework.%")).order_by(AuditEvent.id)
    ).all()
    mine = [e for e in events if e.actor_email == "hr@example.com"]
    assert [e.action for e in mine] == [
        "framework.draft.create",
        "framework.competency.update",
        "framework.publish",
    ]
    assert mine[1].before == {"name": "Planning"} and mine[1].after == {"name": "Project planning"}


EDIT_ROUTES = [
    ("get", "/framework/versions/"),
    ("get", "/framework/versions/{fw}"),
    ("post", "/framework/versions/{fw}/draft"),
    ("get", "/framework/versions/{fw}/publish"),
    ("get", "/framework/versions/{fw}/discard"),
    ("get", "/framework/versions/compare"),
    ("get", "/framework/versions/{fw}/export.csv"),
    ("get", "/framework/versions/{fw}/export.json"),
    ("get", "/framework/versions/{fw}/details"),
    ("get", "/framework/versions/{fw}/scale"),
    ("get", "/framework/versions/{fw}/areas/new"),
    ("get", "/framework/versions/{fw}/competencies/new"),
    ("get", "/framework/versions/{fw}/competencies/{c}/edit"),
    ("post", "/framework/versions/{fw}/competencies/{c}/move"),
    ("get", "/framework/versions/{fw}/competencies/{c}/delete"),
    ("get", "/framework/versions/{fw}/roles/new"),
    ("get", "/framework/versions/{fw}/roles/{p}"),
    ("get", "/framework/versions/{fw}/roles/{p}/copy"),
    ("post", "/framework/versions/{fw}/roles/{p}/retire"),
    ("get", "/framework/import/"),
    ("post", "/framework/import/"),
]


@pytest.mark.parametrize("role", ["candidate", "manager"])
def test_candidates_and_managers_get_403_on_every_editing_page(client_for, db_session, role):
    client = client_for(role)
    published = _framework(db_session)
    ids = {
        "fw": published.id,
        "c": _competency(db_session, published, "DEL-01").id,
        "p": published.role_profiles[0].id,
    }
    for method, template in EDIT_ROUTES:
        url = template.format(**ids)
        assert getattr(client, method)(url).status_code == 403, url
    assert _framework(db_session, "draft") is None


def test_unknown_ids_answer_404(hr_client, db_session):
    draft = _start_draft(hr_client, db_session)
    published = db_session.scalar(sa.select(Framework).where(Framework.status == "published"))
    other = _competency(db_session, published, "DEL-01")
    for url in [
        "/framework/versions/999999",
        "/framework/versions/999999/publish",
        "/framework/versions/999999/export.csv",
        f"/framework/versions/{draft.id}/competencies/999999/edit",
        f"/framework/versions/{draft.id}/competencies/{other.id}/edit",
        f"/framework/versions/{draft.id}/roles/999999",
        f"/framework/versions/{draft.id}/areas/999999/edit",
        "/framework/versions/compare?from=999999",
        "/framework/versions/compare?to=abc",
        # Beyond the databases' integer range: PostgreSQL would refuse the parameter.
        "/framework/versions/compare?from=&to=2147483648",
        "/framework/versions/compare?from=99999999999",
    ]:
        assert hr_client.get(url).status_code == 404, url


def test_drafts_are_hidden_from_candidates_but_open_to_hr(hr_client, candidate_client, db_session):
    draft = _start_draft(hr_client, db_session)
    competency = _competency(db_session, draft, "DEL-01")
    profile = draft.role_profiles[0]
    assert candidate_client.get(f"/framework/competencies/{competency.id}").status_code == 404
    assert candidate_client.get(f"/framework/roles/{profile.id}").status_code == 404
    assert hr_client.get(f"/framework/competencies/{competency.id}").status_code == 200
    # The read-only pages keep showing the published version to everyone.
    assert candidate_client.get("/framework/").status_code == 200


def test_hr_sees_the_draft_banner_on_the_framework_page(hr_client, db_session):
    _start_draft(hr_client, db_session)
    html = hr_client.get("/framework/").get_data(as_text=True)
    assert "Draft 1.2 is being prepared" in html


def test_state_changes_need_a_csrf_token(csrf_app, seeded, db_session):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={"email": "hr@example.com", "password": "proficio-demo", "csrf_token": token},
    )
    published = _framework(db_session)
    assert client.post(f"/framework/versions/{published.id}/draft").status_code == 400
    assert _framework(db_session, "draft") is None


def test_level_descriptor_count_is_stable(hr_client, db_session):
    """Starting a draft copies every descriptor once."""
    before = db_session.scalar(sa.select(sa.func.count(LevelDescriptor.id)))
    _start_draft(hr_client, db_session)
    assert db_session.scalar(sa.select(sa.func.count(LevelDescriptor.id))) == 2 * before
