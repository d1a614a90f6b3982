"""The default framework data file follows the material and is complete."""

from competencies.services import read_default_framework_data

MATERIAL_MUST = {
    "Technical skills",
    "Knowledge of server systems",
    "Leadership",
    "Planning",
    "Strategic competencies",
}
MATERIAL_CAN = {
    "Communication",
    "Reliability",
    "Teamwork",
    "Organisational skills",
    "Conflict management",
}


def _competencies(data):
    return [c for area in data["areas"] for c in area["competencies"]]


def test_every_competency_has_indicators_for_levels_one_to_five():
    data = read_default_framework_data()
    for competency in _competencies(data):
        assert sorted(competency["indicators"]) == ["1", "2", "3", "4", "5"], competency["code"]
        assert all(len(text.split()) >= 10 for text in competency["indicators"].values())


def test_codes_are_unique():
    codes = [c["code"] for c in _competencies(read_default_framework_data())]
    assert len(codes) == len(set(codes))


def test_the_material_names_all_appear_as_competencies():
    names = {c["name"] for c in _competencies(read_default_framework_data())}
    assert MATERIAL_MUST | MATERIAL_CAN <= names
    further = {"Willingness to learn", "Resilience", "Flexibility", "Budget and deadline control"}
    assert further <= names


def test_it_project_manager_profile_has_the_material_must_can_split():
    data = read_default_framework_data()
    names = {c["code"]: c["name"] for c in _competencies(data)}
    profile = next(p for p in data["role_profiles"] if p["name"] == "IT Project Manager")
    musts = {names[r["code"]] for r in profile["requirements"] if r["requirement"] == "must"}
    cans = {names[r["code"]] for r in profile["requirements"] if r["requirement"] == "can"}
    assert musts == MATERIAL_MUST
    assert MATERIAL_CAN <= cans


def test_the_four_default_role_profiles_exist_and_cover_every_competency():
    data = read_default_framework_data()
    codes = {c["code"] for c in _competencies(data)}
    assert [p["name"] for p in data["role_profiles"]] == [
        "Junior IT Project Manager",
        "IT Project Manager",
        "Senior IT Project Manager",
        "IT Programme Manager",
    ]
    for profile in data["role_profiles"]:
        assert {r["code"] for r in profile["requirements"]} == codes


def test_scale_runs_from_zero_to_five():
    levels = [level["value"] for level in read_default_framework_data()["scale"]["levels"]]
    assert levels == [0, 1, 2, 3, 4, 5]
