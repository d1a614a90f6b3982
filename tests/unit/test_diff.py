"""What changed between two versions, matched by uuid, field by field."""

import copy

from competencies.diff import ADDED, CHANGED, REMOVED, diff_frameworks
from competencies.services import read_default_framework_data, spec_from_data
from competencies.spec import CompetencySpec, RequirementSpec, RoleProfileSpec


def _pair():
    old = spec_from_data(read_default_framework_data())
    return old, copy.deepcopy(old)


def _competency(spec, code):
    return next(c for c in spec.competencies if c.code == code)


def test_identical_versions_have_no_differences():
    old, new = _pair()
    assert diff_frameworks(old, new).is_empty


def test_a_renamed_and_recoded_competency_is_changed_not_removed_and_added():
    old, new = _pair()
    planning = _competency(new, "DEL-01")
    planning.code, planning.name = "DEL-10", "Project planning"
    planning.descriptors[3] = "New level 3 text."
    planning.ecf_code = None
    diff = diff_frameworks(old, new)
    assert [(c.kind, c.code) for c in diff.competencies] == [(CHANGED, "DEL-10")]
    changes = {f.field: (f.before, f.after) for f in diff.competencies[0].changes}
    assert changes["code"] == ("DEL-01", "DEL-10")
    assert changes["name"] == ("Planning", "Project planning")
    assert changes["descriptor:3"][1] == "New level 3 text."
    assert changes["ecf_code"] == ("E.2", None)


def test_added_and_removed_competencies_and_requirement_changes():
    old, new = _pair()
    removed = _competency(new, "PER-04")
    new.competencies.remove(removed)
    new.competencies.append(
        CompetencySpec(
            uuid="00000000-0000-4000-8000-000000000001", code="NEW-1", name="New", area_code="PER"
        )
    )
    itpm = next(p for p in new.role_profiles if p.code == "ITPM")
    del itpm.requirements[removed.uuid]
    communication = _competency(new, "LEA-02")
    itpm.requirements[communication.uuid] = RequirementSpec("must", 4)
    new.role_profiles.append(
        RoleProfileSpec(uuid="00000000-0000-4000-8000-000000000002", code="PMO", name="PMO")
    )
    diff = diff_frameworks(old, new)
    assert (diff.count(ADDED), diff.count(REMOVED), diff.count(CHANGED)) == (1, 1, 0)
    profiles = {p.code: p for p in diff.role_profiles}
    assert profiles["PMO"].kind == ADDED
    requirements = {r.code: (r.before, r.after) for r in profiles["ITPM"].requirements}
    assert requirements["LEA-02"] == (RequirementSpec("can", 3), RequirementSpec("must", 4))
    assert requirements["PER-04"][1] is None


def test_a_blank_target_and_a_zero_target_differ():
    old, new = _pair()
    itpm_old = next(p for p in old.role_profiles if p.code == "ITPM")
    itpm_new = next(p for p in new.role_profiles if p.code == "ITPM")
    key = next(k for k, r in itpm_old.requirements.items() if r.target is not None)
    itpm_old.requirements[key] = RequirementSpec(itpm_old.requirements[key].requirement, None)
    itpm_new.requirements[key] = RequirementSpec(itpm_old.requirements[key].requirement, 0)
    change = diff_frameworks(old, new).role_profiles[0].requirements[0]
    assert (change.before.target, change.after.target) == (None, 0)


def test_reordering_shows_as_a_change_of_place():
    old, new = _pair()
    a, b = _competency(new, "DEL-01"), _competency(new, "DEL-02")
    i, j = new.competencies.index(a), new.competencies.index(b)
    new.competencies[i], new.competencies[j] = b, a
    diff = diff_frameworks(old, new)
    assert {c.code: [f.field for f in c.changes] for c in diff.competencies} == {
        "DEL-02": ["order"],
        "DEL-01": ["order"],
    }


def test_scale_and_framework_field_changes():
    old, new = _pair()
    new.scale_levels[1].name = "Beginner"
    new.name = "Renamed framework"
    diff = diff_frameworks(old, new)
    assert [(f.field, f.after) for f in diff.framework] == [("name", "Renamed framework")]
    assert diff.scale[0].changes[0].after == "Beginner"
