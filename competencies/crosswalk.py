"""What a competency's crosswalk references mean: which standard and version, whether an SFIA
code is a professional skill or a generic attribute, and at which of the standard's levels the
reference holds. Outside that range the standard has no equivalent, and Proficio says so."""

from __future__ import annotations

from dataclasses import dataclass

# The versions the default framework's references were checked against (docs/standards.md).
STANDARDS = {
    "ecf_code": "e-CF 4.0",
    "sfia_code": "SFIA 9",
    "icb4_element": "IPMA ICB4",
    "esco_uri": "ESCO",
}
ESCO_CROSSWALK_VERSION = "1.1.1"
SFIA_KINDS = {"skill": "professional skill", "attribute": "generic attribute"}


def esco_attribution(version: str) -> str:
    """The acknowledgement ESCO's licence asks for wherever its data is shown."""
    return f"ESCO v{version}, European Commission, https://esco.ec.europa.eu (CC BY 4.0)"


@dataclass(frozen=True)
class CrosswalkReference:
    """One reference of a competency to a standard."""

    field: str
    standard: str
    code: str
    kind: str | None = None
    levels: tuple[int, int] | None = None

    @property
    def levels_text(self) -> str:
        """The standard's own levels at which the reference holds, in its own notation."""
        if self.levels is None:
            return ""
        low, high = self.levels
        if self.field == "ecf_code":
            return f"e-{low}" if low == high else f"e-{low} to e-{high}"
        return f"level {low}" if low == high else f"levels {low}–{high}"

    @property
    def is_link(self) -> bool:
        return self.code.startswith(("http://", "https://"))


def crosswalk_references(
    values: dict[str, str | None],
    sfia_kind: str | None,
    levels: dict[str, list[int]] | None,
) -> list[CrosswalkReference]:
    """The references that are set, in the order of STANDARDS."""
    references = []
    for field, standard in STANDARDS.items():
        code = values.get(field)
        if not code:
            continue
        pair = (levels or {}).get(field)
        references.append(
            CrosswalkReference(
                field=field,
                standard=standard,
                code=code,
                kind=SFIA_KINDS.get(sfia_kind or "") if field == "sfia_code" else None,
                levels=(int(pair[0]), int(pair[1])) if pair else None,
            )
        )
    return references


def ecf_equivalent(ecf_code: str | None, levels: dict[str, list[int]] | None, level: int) -> str:
    """The e-CF reference at a Proficio level (whose 1–5 are modelled on e-1…e-5), or a
    plain statement that there is none: e-CF defines each competence at some levels only."""
    if not ecf_code:
        return ""
    pair = (levels or {}).get("ecf_code")
    if level < 1 or (pair is not None and not pair[0] <= level <= pair[1]):
        return f"{ecf_code}: no equivalent at this level"
    return f"{ecf_code} at e-{level}"


# How the SFIA kind and the level ranges travel in CSV attributes and CASE keywords.
SFIA_KIND_LABEL = "SFIA kind"
LEVEL_LABELS = {
    "ecf_code": "e-CF levels",
    "sfia_code": "SFIA levels",
    "icb4_element": "IPMA ICB4 levels",
    "esco_uri": "ESCO levels",
}


def exchange_pairs(
    sfia_kind: str | None, levels: dict[str, list[int]] | None
) -> list[tuple[str, str]]:
    """(label, value) pairs for the SFIA kind and level ranges, for CSV and CASE."""
    pairs = []
    if sfia_kind in SFIA_KINDS:
        pairs.append((SFIA_KIND_LABEL, SFIA_KINDS[sfia_kind]))
    for field, label in LEVEL_LABELS.items():
        pair = (levels or {}).get(field)
        if pair:
            pairs.append((label, f"{pair[0]}-{pair[1]}"))
    return pairs


def read_exchange_pair(label: str, value: str) -> tuple[str, object] | None:
    """("sfia_kind", kind) or ("levels", (field, [low, high])) for a known label, else None.

    :raises ValueError: when the label is known but its value cannot be read.
    """
    label = label.strip().lower()
    value = value.strip()
    if label == SFIA_KIND_LABEL.lower():
        kinds = {text: kind for kind, text in SFIA_KINDS.items()} | {k: k for k in SFIA_KINDS}
        if value.lower() not in kinds:
            raise ValueError(
                f"{value!r} is neither a professional skill nor a generic attribute of SFIA."
            )
        return "sfia_kind", kinds[value.lower()]
    for field, known in LEVEL_LABELS.items():
        if label == known.lower():
            low, _, high = value.replace("–", "-").partition("-")
            try:
                pair = [int(low), int(high or low)]
            except ValueError:
                raise ValueError(f"{value!r} is not a level range such as 4-5.") from None
            if pair[0] > pair[1]:
                raise ValueError(f"{value!r} runs backwards; write the lower level first.")
            return "levels", (field, pair)
    return None
