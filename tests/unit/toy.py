"""Toy arrays shared by the recommender's unit tests."""

from __future__ import annotations

import math

import numpy as np

from training.features import FORMATS, CatalogueArrays, OutcomeHistory, PersonVector

CODES = ("PLAN", "LEAD", "TECH")


def catalogue(rows: list[dict]) -> CatalogueArrays:
    """Catalogue from dicts with weights as {code: w}; other fields have defaults."""
    weights = np.zeros((len(rows), len(CODES)))
    for i, row in enumerate(rows):
        for code, w in row["weights"].items():
            weights[i, CODES.index(code)] = w
    return CatalogueArrays(
        codes=CODES,
        keys=np.array([row.get("key", i + 1) for i, row in enumerate(rows)], dtype=np.int64),
        weights=weights,
        level_min=np.array([row.get("lo", 1) for row in rows], dtype=np.int64),
        level_max=np.array([row.get("hi", 3) for row in rows], dtype=np.int64),
        hours=np.array([float(row.get("hours", 16)) for row in rows]),
        cost=np.array([float(row.get("cost", 900)) for row in rows]),
        currencies=np.array([row.get("currency", "EUR") for row in rows], dtype=object),
        formats=np.array(
            [FORMATS.index(row.get("format", "classroom")) for row in rows], dtype=np.int64
        ),
        languages=np.array([row.get("language", "en") for row in rows], dtype=object),
    )


def person(levels, targets, must, **kwargs) -> PersonVector:
    """A person over CODES; a target of None means the role sets none."""
    return PersonVector(
        levels=np.array(levels, dtype=float),
        targets=np.array([math.nan if t is None else t for t in targets], dtype=float),
        is_must=np.array(must, dtype=bool),
        **kwargs,
    )


def history_where(
    catalogue_: CatalogueArrays, works: dict[int, float], people: int = 60, seed: int = 0
) -> OutcomeHistory:
    """Every person completes every training once; training key k raises PLAN with works[k]."""
    rng = np.random.default_rng(seed)
    subjects, keys, days, rows_e, rows_c, before, after = [], [], [], [], [], [], []
    for p in range(people):
        for i, key in enumerate(catalogue_.keys):
            e = len(subjects)
            subjects.append(p)
            keys.append(int(key))
            days.append(float(p * 10 + i))
            level = float(rng.integers(0, 3))
            rows_e.append(e)
            rows_c.append(0)
            before.append(level)
            after.append(level + float(rng.random() < works[int(key)]))
    m = len(rows_e)
    return OutcomeHistory(
        codes=CODES,
        subjects=np.array(subjects, dtype=np.int64),
        training_keys=np.array(keys, dtype=np.int64),
        days=np.array(days),
        is_completed=np.ones(len(subjects), dtype=bool),
        ratings=np.full(len(subjects), math.nan),
        row_enrollment=np.array(rows_e, dtype=np.int64),
        row_competency=np.array(rows_c, dtype=np.int64),
        level_before=np.array(before),
        level_after=np.array(after),
        targets=np.full(m, 4.0),
        is_must=np.ones(m, dtype=bool),
    )
