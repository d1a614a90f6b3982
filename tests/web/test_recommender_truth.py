"""Issue 17 in the app: a model that learned from synthetic history says so wherever its
words go — the recommendations page, the reason stored in a plan and the plan's PDF."""

import shutil
import subprocess

import pytest

from tests.web.test_plan_pages import alex_plan, reload  # noqa: F401 — fixture
from training.synthetic import generate_world, roles_from_framework


def _train_on_synthetic_history(app, db_session):
    from competencies.services import read_default_framework_data
    from training.catalogue import seed_catalogue
    from training.history import (
        catalogue_arrays,
        framework_columns,
        store_synthetic_history,
        train_and_save,
    )
    from webapp.recommending import artefact_key, recommender_dir

    seed_catalogue(db_session)
    db_session.flush()
    columns = framework_columns(db_session)
    items = catalogue_arrays(db_session, columns)
    roles = roles_from_framework(read_default_framework_data(), columns.codes)
    world = generate_world(items, roles, n_people=80, seed=3)
    store_synthetic_history(db_session, world, {int(k): int(k) for k in items.keys})
    metadata = train_and_save(
        db_session,
        recommender_dir(app),
        key=artefact_key(app),
        min_rows=100,
        min_people=20,
        include_synthetic=True,
    )
    db_session.commit()
    return metadata


def test_a_production_train_refuses_synthetic_rows(app, db_session, alex_plan):  # noqa: F811
    from training.history import TooLittleHistoryError, train_and_save
    from webapp.recommending import artefact_key, recommender_dir

    _train_on_synthetic_history(app, db_session)
    with pytest.raises(TooLittleHistoryError, match="left out"):
        train_and_save(
            db_session, recommender_dir(app), key=artefact_key(app), min_rows=100, min_people=20
        )


def test_synthetic_reasons_are_labelled_on_the_page_in_the_plan_and_in_the_pdf(
    app,
    candidate_client,
    db_session,
    alex_plan,  # noqa: F811
    tmp_path,
):
    metadata = _train_on_synthetic_history(app, db_session)
    assert metadata["synthetic_share"] == 1.0
    html = candidate_client.get("/training/recommendations").get_data(as_text=True)
    cards = html[html.index('aria-label="Recommended trainings, best first"') :]
    first_card = cards.split('<li class="card mb-3 recommendation">')[1]
    assert "synthetic" in first_card
    training_id = int(first_card.split('href="/training/')[1].split('"')[0])

    response = candidate_client.post(
        "/plans/add-training",
        data={
            "training_id": training_id,
            "goal_id": alex_plan.goals[0].id,
            "source": "recommendation",
            "next": "/training/recommendations",
        },
    )
    assert response.status_code == 303
    link = next(
        t
        for g in reload(db_session, alex_plan.id).goals
        for t in g.trainings
        if t.training_id == training_id
    )
    assert link.reason and "synthetic" in link.reason
    assert "synthetic" in candidate_client.get(f"/plans/{alex_plan.id}").get_data(as_text=True)

    pdf = candidate_client.get(f"/plans/{alex_plan.id}/pdf")
    assert pdf.status_code == 200
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "synthetic" in " ".join(text.split())
