"""`recommender train|evaluate|status` and the training part of `seed --demo`."""

import json

import pytest
import sqlalchemy as sa

from competencies.services import read_default_framework_data
from training.catalogue import seed_catalogue
from training.evaluation import METHODS, format_report
from training.history import catalogue_arrays, framework_columns, store_synthetic_history
from training.models import Enrollment, HistoryEnrollment, Training
from training.synthetic import generate_world, roles_from_framework


def _small_history(db_session, people=80):
    seed_catalogue(db_session)
    columns = framework_columns(db_session)
    items = catalogue_arrays(db_session, columns)
    roles = roles_from_framework(read_default_framework_data(), columns.codes)
    world = generate_world(items, roles, n_people=people, seed=9)
    store_synthetic_history(db_session, world, {int(k): int(k) for k in items.keys})
    db_session.commit()


def test_train_with_too_little_history_explains_and_writes_nothing(runner, app, seeded):
    from webapp.recommending import recommender_dir

    result = runner.invoke(args=["recommender", "train"])
    assert result.exit_code == 1
    assert "cold-start score stays in use" in result.output
    assert not (recommender_dir(app) / "recommender.joblib").exists()


def test_train_saves_a_checked_artefact_and_status_reports_it(runner, app, seeded, db_session):
    from webapp.recommending import recommender_dir

    _small_history(db_session)
    refused = runner.invoke(
        args=["recommender", "train", "--min-rows", "100", "--min-people", "20"]
    )
    assert refused.exit_code == 1 and "synthetic finished trainings were left out" in (
        refused.output
    )
    assert not (recommender_dir(app) / "recommender.joblib").exists()
    result = runner.invoke(
        args=[
            "recommender",
            "train",
            "--min-rows",
            "100",
            "--min-people",
            "20",
            "--include-synthetic",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "synthetic share 100%" in result.output and "ROC AUC" in result.output
    metadata = json.loads((recommender_dir(app) / "recommender.json").read_text())
    assert metadata["sklearn_version"] and metadata["training_rows"] > 100
    assert metadata["history"]["synthetic"] > 0 and metadata["history"]["real"] == 0
    assert metadata["synthetic_share"] == 1.0 and metadata["include_synthetic"] is True
    status = runner.invoke(args=["recommender", "status"])
    assert "Learned model in use" in status.output
    assert "synthetic share 100%" in status.output and "labelled synthetic" in status.output


def test_status_without_a_model_says_cold_start(runner, app):
    result = runner.invoke(args=["recommender", "status"])
    assert result.exit_code == 0 and "Cold-start score in use" in result.output


def test_evaluate_refuses_too_few_people(runner):
    result = runner.invoke(args=["recommender", "evaluate", "--people", "10"])
    assert result.exit_code != 0 and "at least 50 people" in result.output


@pytest.mark.slow
def test_evaluate_json_has_the_promised_keys(runner):
    result = runner.invoke(
        args=[
            "recommender",
            "evaluate",
            "--json",
            "--people",
            "150",
            "--seeds",
            "7,11",
            "--catalogue-size",
            "80",
        ]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["synthetic"] is True and report["world"] == "default"
    assert report["seeds"] == [7, 11] and report["people"] == 150
    assert (
        set(report["methods"])
        == set(METHODS)
        >= {
            "learned",
            "random",
            "popularity",
            "priority_bands",
            "cold_start",
            "rise_rate",
            "logistic",
        }
    )
    for metrics in report["methods"].values():
        for name in ("ndcg@5", "precision@5", "recall@5", "observed_ndcg@5"):
            lo, hi = metrics[name]["ci95"]
            assert 0.0 <= lo <= metrics[name]["mean"] <= hi <= 1.0 or lo <= hi, name
        assert 0.0 <= metrics["coverage"] <= 1.0
    assert report["best_baseline"] in report["methods"] and report["best_baseline"] != "learned"
    lo, hi = report["learned_vs_best"]["diff_ci95"]
    assert lo <= hi and isinstance(report["learned_vs_best"]["ratio"], float)
    assert report["served"] in report["methods"] and report["served"] != "random"
    assert isinstance(report["served_ndcg@5"], float)
    assert set(report["calibration"]) >= {"ece", "brier"}
    assert isinstance(report["train_seconds"], float)
    assert set(report["latency_ms"]) >= {"p50", "p95"}
    assert report["catalogue_size"] == 80
    text = format_report(report)
    assert "SYNTHETIC" in text and "observed NDCG@5" in text
    assert all(method in text for method in METHODS)


def test_evaluate_refuses_an_unknown_world_and_bad_seeds(runner):
    result = runner.invoke(args=["recommender", "evaluate", "--world", "utopia"])
    assert result.exit_code != 0
    result = runner.invoke(args=["recommender", "evaluate", "--seeds", "7,x"])
    assert result.exit_code != 0 and "whole numbers" in result.output


@pytest.mark.slow
def test_seed_demo_adds_catalogue_labelled_history_enrollments_and_a_model(runner, app, db_session):
    from webapp.recommending import recommender_dir

    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output and "learned model" in result.output
    assert db_session.scalar(sa.select(sa.func.count(Training.id))) >= 40
    history = db_session.execute(
        sa.select(HistoryEnrollment.is_synthetic, HistoryEnrollment.source)
    ).all()
    assert history and all(synthetic for synthetic, _ in history)
    statuses = db_session.execute(
        sa.select(Enrollment.person_id, Enrollment.status, Enrollment.is_synthetic)
    ).all()
    assert len({person for person, _, _ in statuses}) == 2
    assert {status for _, status, _ in statuses} == {
        "planned",
        "in_progress",
        "completed",
        "dropped",
    }
    assert all(synthetic for _, _, synthetic in statuses)
    improved = db_session.scalar(sa.select(Enrollment).where(Enrollment.outcome == "improved"))
    assert improved is not None and improved.rating == 4
    assert (recommender_dir(app) / "recommender.joblib").exists()
    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0 and "Demo enrollments added: 0" in again.output
    assert db_session.scalar(sa.select(sa.func.count(Enrollment.id))) == len(statuses)


def test_the_weekly_task_keeps_the_live_model_and_says_why(app, seeded):
    from webapp.recommending import recommender_dir
    from webapp.tasks import retrain_recommender, weekly_recommender_retrain

    assert callable(weekly_recommender_retrain)  # registered with Huey as a periodic task
    result = retrain_recommender(app)
    assert result["promoted"] is False and result["reason"]
    assert not (recommender_dir(app) / "recommender.joblib").exists()
