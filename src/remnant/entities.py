"""The kinds of record remnant keeps: layers, fields, and what each field means.

Pure definitions, light to import (the command line builds its choices from them); the
rules that check values against them are in :mod:`remnant.records`, and
docs/data-dictionary.md is written from them (:mod:`remnant.datadict`).
"""

from __future__ import annotations

from dataclasses import dataclass

from remnant.catalogue import MAX_SIGMA_M, SOURCE_CLASSES
from remnant.errors import NotFoundError
from remnant.translate import N_

__all__ = ["ALLOWED_OUTCOMES", "ENTITIES", "Entity", "Field", "entity"]


@dataclass(frozen=True)
class Field:
    """One attribute of an entity.

    ``kind`` is one of ``text``, ``integer``, ``real``, ``date``, ``boolean``;
    ``choices`` restricts a text field to an enumeration; ``references`` names the entity
    whose ``id`` the value must be; ``doc`` says what it means and by which convention,
    ``unit`` in what unit (docs/data-dictionary.md lists them all); ``derived`` fields are
    set by remnant on every write (forms do not ask for them, GIS clients show them
    read-only).
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    doc: str = ""
    unit: str = ""
    derived: bool = False  # set by remnant on every write; a value offered is replaced


@dataclass(frozen=True)
class Entity:
    """A kind of record: its layer name, id prefix, geometry type and fields.

    Rules that tie fields together, as data (the gate checks them and the field forms
    ask for them): ``ordered`` pairs ``(low, high)`` where ``high`` may not be less than
    ``low`` (a range, a period); ``needed_when`` triples ``(field, other, value)``: a
    record whose ``other`` is ``value`` must give ``field``; ``parts`` pairs
    ``(total, (part, …))``: the parts given may not add up to more than the total.
    """

    name: str
    prefix: str
    geometry: str | None  # "POINT", "MULTIPOLYGON" or None for a table without geometry
    fields: tuple[Field, ...]
    doc: str
    ordered: tuple[tuple[str, str], ...] = ()
    needed_when: tuple[tuple[str, str, str], ...] = ()
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def field_names(self) -> list[str]:
        """Canonical column names, ``id`` first."""
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise NotFoundError(
            N_("{layer} has no field {field_name!r}; fields: {field_names}"),
            layer=self.name,
            field_name=name,
            field_names=", ".join(self.field_names),
        )


def _common_tail() -> tuple[Field, ...]:
    return (
        Field("source", doc="where the record comes from: report, informant, dataset"),
        Field("notes", doc="free text"),
        Field(
            "external_id",
            doc="the record's identifier in another system (IMSMA's localid or GUID, an "
            "operator's own); a record without an id gets one made from it, so a second "
            "import of the same export matches the first",
        ),
        Field("external_system", doc="the system external_id belongs to, e.g. imsma"),
    )


def _where() -> tuple[Field, ...]:
    """The administrative units holding a record (docs/admin-units.md)."""
    return tuple(
        Field(
            f"admin{level}",
            derived=True,
            doc=f"code (P-code) of the level-{level} administrative unit holding the record "
            f"({what}), set from the store's admin units on every write; blank outside them",
        )
        for level, what in ((1, "province, oblast"), (2, "district, raion"), (3, "commune"))
    )


def _depth(doc: str) -> Field:
    return Field("depth_cm", "real", minimum=0, maximum=1_000, unit="centimetres", doc=doc)


# Evidence point types (docs/evidence.md; the box rule's direct types: evidence.toml).
EVIDENCE_TYPES = (
    "submunition",
    "strike_mark",
    "fragments",
    "container",
    "accident",
    "witness",
    "benchmark",
    "reference_point",
)

# Enumerations the reports group by (docs/data-dictionary.md; the Monitor's categories
# and their edition are in report/monitor.toml).
CASUALTY_CONTEXTS = ("during_use", "remnants")
VICTIM_CATEGORIES = ("civilian", "deminer", "security_forces", "unknown")
SEXES = ("female", "male", "unknown")
ASSISTANCE_TYPES = (
    "emergency_medical",
    "continuing_medical",
    "rehabilitation",
    "psychological",
    "socio_economic",
    "education",
    "referral",
    "other",
)
# Risk education participants by sex and age band, as the MDR and programmes' RE forms ask.
PARTICIPANT_BANDS = {
    "girls_0_12": "girls under 13",
    "boys_0_12": "boys under 13",
    "girls_13_17": "girls 13 to 17",
    "boys_13_17": "boys 13 to 17",
    "women": "women (18 or over)",
    "men": "men (18 or over)",
}

# Beneficiaries of released land by sex and age, as IMSMA's hand-over records them.
BENEFICIARY_BANDS = {
    "women": "of the beneficiaries, women (18 or over)",
    "men": "of the beneficiaries, men (18 or over)",
    "girls": "of the beneficiaries, girls (under 18)",
    "boys": "of the beneficiaries, boys (under 18)",
}

_ID = Field("id", doc="stable identifier; made from the record's content when not given")
_MUNITION = Field("munition", doc="catalogue key; unknown keys are kept as 'unknown'")

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "strikes",
            "STR",
            "POINT",
            (
                _ID,
                Field("date", "date", doc="day of the attack"),
                _MUNITION,
                Field(
                    "carriers",
                    "integer",
                    minimum=1,
                    doc="number of carriers (rockets, shells, bombs), when known exactly",
                ),
                Field(
                    "carriers_min",
                    "integer",
                    minimum=1,
                    doc="fewest carriers the reports allow; with carriers_max, a range",
                ),
                Field("carriers_max", "integer", minimum=1, doc="most carriers the reports allow"),
                Field(
                    "azimuth_deg",
                    "real",
                    minimum=0,
                    maximum=360,
                    unit="degrees",
                    doc="direction of the footprint's long axis (the line of flight), "
                    "clockwise from north; 0 and 180 give the same footprint; blank if unknown",
                ),
                Field(
                    "source_class",
                    required=True,
                    choices=SOURCE_CLASSES,
                    doc="kind of report that places the strike; sets the location σ when "
                    "accuracy_m is blank",
                ),
                Field(
                    "accuracy_m",
                    "real",
                    minimum=0,
                    maximum=MAX_SIGMA_M,
                    unit="metres",
                    doc="one standard deviation of the reported position, per axis "
                    "(a circular error of about 1.18 × this holds half the cases)",
                ),
                Field("confidence", choices=("low", "medium", "high"), doc="the reporter's own"),
                *_where(),
                *_common_tail(),
            ),
            "One attack with one or more carriers; the point is the reported impact centre.",
            ordered=(("carriers_min", "carriers_max"),),
        ),
        Entity(
            "hazard_areas",
            "HAZ",
            "MULTIPOLYGON",
            (
                _ID,
                Field("name", doc="the name the programme and the community use"),
                Field(
                    "kind",
                    required=True,
                    choices=("SHA", "CHA"),
                    doc="suspected (indirect evidence) or confirmed (direct evidence) "
                    "hazardous area, IMAS 07.11",
                ),
                Field(
                    "status",
                    required=True,
                    choices=("open", "worked_on", "closed", "handed_over"),
                    doc="where the area is in land release (docs/land-release.md)",
                ),
                Field("date", "date", doc="date the area was recorded"),
                Field("evidence", doc="what the area is suspected or confirmed on"),
                Field(
                    "land_use",
                    choices=(
                        "farmland",
                        "pasture",
                        "forest",
                        "residential",
                        "infrastructure",
                        "water",
                        "other",
                        "unknown",
                    ),
                    doc="what the land is or would be used for",
                ),
                Field(
                    "beneficiaries",
                    "integer",
                    minimum=0,
                    unit="people",
                    doc="people who would use the land once released",
                ),
                *(
                    Field(f"beneficiaries_{k}", "integer", minimum=0, unit="people", doc=doc)
                    for k, doc in BENEFICIARY_BANDS.items()
                ),
                *_where(),
                *_common_tail(),
            ),
            "A suspected (SHA) or confirmed (CHA) hazardous area.",
            parts=(("beneficiaries", tuple(f"beneficiaries_{k}" for k in BENEFICIARY_BANDS)),),
        ),
        Entity(
            "activities",
            "ACT",
            "MULTIPOLYGON",
            (
                _ID,
                Field(
                    "type",
                    required=True,
                    choices=("NTS", "TS", "clearance", "EOD_spot", "QA"),
                    doc="non-technical survey, technical survey, clearance, EOD spot task "
                    "or quality assurance visit",
                ),
                Field("organisation", required=True, doc="who did the work"),
                Field("start", "date", required=True, doc="first day of work"),
                Field("end", "date", doc="last day of work"),
                Field(
                    "method",
                    choices=("manual", "mechanical", "dog", "bac", "visual", "mixed", "other"),
                    doc="how the land was searched (bac: battle area clearance)",
                ),
                _depth("depth to which the land was searched"),
                Field("hazard_area", references="hazard_areas", doc="the area worked on"),
                Field(
                    "outcome",
                    choices=("cancelled", "reduced", "cleared", "confirmed", "none"),
                    doc="what the polygon's land became (docs/land-release.md)",
                ),
                Field("team_days", "real", minimum=0, unit="team-days", doc="effort spent"),
                *_where(),
                *_common_tail(),
            ),
            "Survey, clearance or quality work over a polygon, with its land-release outcome.",
            ordered=(("start", "end"),),
            needed_when=(("depth_cm", "type", "clearance"),),
        ),
        Entity(
            "items",
            "ITM",
            "POINT",
            (
                _ID,
                Field("date", "date", doc="day found"),
                _MUNITION,
                Field(
                    "category",
                    choices=("submunition", "bomb", "projectile", "rocket", "mine", "other"),
                    doc="kind of device",
                ),
                Field("state", choices=("live", "dud", "fragment"), doc="as found"),
                _depth("depth found at (0 on the surface)"),
                Field("activity", references="activities", doc="the work that found it"),
                Field("destroyed", "boolean", doc="destroyed (in place or after moving)"),
                *_where(),
                *_common_tail(),
            ),
            "An explosive item found, recorded where it was found.",
        ),
        Entity(
            "accidents",
            "ACC",
            "POINT",
            (
                _ID,
                Field("date", "date", required=True, doc="day of the explosion"),
                _MUNITION,
                Field("killed", "integer", minimum=0, unit="people", doc="people killed"),
                Field("injured", "integer", minimum=0, unit="people", doc="people injured"),
                Field(
                    "context",
                    choices=CASUALTY_CONTEXTS,
                    doc="the Cluster Munition Monitor's split: during_use (at the time of "
                    "an attack) or remnants (a submunition that failed to explode, later); "
                    "blank if unknown",
                ),
                Field(
                    "strike",
                    references="strikes",
                    doc="the attack that caused the casualties or left the remnant, if known",
                ),
                *_where(),
                *_common_tail(),
            ),
            "An explosion that killed or injured people.",
        ),
        Entity(
            "evidence",
            "EVD",
            "POINT",
            (
                _ID,
                Field(
                    "type",
                    required=True,
                    choices=EVIDENCE_TYPES,
                    doc="what was seen: direct evidence (submunition, strike_mark, fragments, "
                    "container, accident: evidence.toml), a witness statement "
                    "(indirect), or a benchmark or reference point locating an area "
                    "(docs/evidence.md)",
                ),
                Field("date", "date", doc="day observed"),
                _MUNITION,
                Field("description", doc="what was seen, where, by whom"),
                Field("confidence", choices=("low", "medium", "high"), doc="the surveyor's own"),
                Field(
                    "hazard_area",
                    references="hazard_areas",
                    doc="the area the point confirms, or locates (benchmark)",
                ),
                *_where(),
                *_common_tail(),
            ),
            "A point of evidence of cluster munition remnants, or a benchmark of an area.",
        ),
        Entity(
            "victims",
            "VIC",
            None,
            (
                _ID,
                Field("accident", required=True, references="accidents", doc="the explosion"),
                Field(
                    "outcome", required=True, choices=("killed", "injured"), doc="for this person"
                ),
                Field(
                    "category",
                    choices=VICTIM_CATEGORIES,
                    doc="the Cluster Munition Monitor's casualty categories: civilian, "
                    "deminer (clearance or survey personnel at work), security_forces "
                    "(military, police); blank if unknown",
                ),
                Field("sex", choices=SEXES),
                Field("age_group", choices=("child", "adult", "unknown"), doc="child: under 18"),
                Field(
                    "activity_at_time",
                    choices=(
                        "farming",
                        "herding",
                        "collecting",
                        "travelling",
                        "playing",
                        "tampering",
                        "household",
                        "demining",
                        "other",
                        "unknown",
                    ),
                    doc="what the person was doing",
                ),
                *_common_tail(),
            ),
            "A person killed or injured in an accident (children: under 18).",
        ),
        Entity(
            "victim_assistance",
            "VAS",
            None,
            (
                _ID,
                Field("victim", required=True, references="victims", doc="the person assisted"),
                Field("date", "date", required=True, doc="day the assistance was given or began"),
                Field(
                    "type",
                    required=True,
                    choices=ASSISTANCE_TYPES,
                    doc="the components of victim assistance in CCM Article 5: emergency and "
                    "continuing medical care, physical rehabilitation, psychological support, "
                    "social and economic inclusion; also education, and referral to another "
                    "provider",
                ),
                Field("provider", doc="who gave the assistance"),
                Field("needs", doc="needs the person still has, as assessed"),
                Field("follow_up", "date", doc="day of the next follow-up visit"),
                *_common_tail(),
            ),
            "Assistance given to a victim (a person in victims), and what is still needed.",
            ordered=(("date", "follow_up"),),
        ),
        Entity(
            "risk_education",
            "REE",
            "POINT",
            (
                _ID,
                Field("date", "date", required=True, doc="day of the session"),
                Field("organisation", required=True, doc="who delivered it"),
                Field(
                    "method",
                    choices=(
                        "community_session",
                        "school_session",
                        "door_to_door",
                        "training_of_trainers",
                        "mass_media",
                        "digital",
                        "other",
                    ),
                    doc="how the message was delivered",
                ),
                Field(
                    "audience",
                    choices=(
                        "general",
                        "children",
                        "farmers_herders",
                        "displaced_returnees",
                        "teachers",
                        "other",
                    ),
                    doc="whom the session was for",
                ),
                *(
                    Field(
                        name,
                        "integer",
                        minimum=0,
                        unit="people",
                        doc=f"participants: {who}",
                    )
                    for name, who in PARTICIPANT_BANDS.items()
                ),
                *_where(),
                *_common_tail(),
            ),
            "A risk education session, with its participants by sex and age (MDR).",
        ),
        Entity(
            "nonconformities",
            "NCR",
            None,
            (
                _ID,
                Field("activity", required=True, references="activities", doc="the QA visit"),
                Field("inspected", references="activities", doc="the work found wanting"),
                Field("date", "date", required=True, doc="day of the finding"),
                Field(
                    "type",
                    required=True,
                    choices=(
                        "missed_item",
                        "insufficient_depth",
                        "boundary_marking",
                        "procedure",
                        "documentation",
                        "safety",
                        "other",
                    ),
                ),
                Field("severity", required=True, choices=("minor", "major", "critical")),
                Field("description", doc="what was found"),
                Field("corrective_action", doc="what the organisation must do"),
                Field("closed_on", "date", doc="when the corrective action was verified"),
                *_common_tail(),
            ),
            "A non-conformity a quality assurance visit found (IMAS 07.40 / 07.42 / 09.20).",
        ),
    )
}

# Outcomes each activity type may produce (IMAS 07.11): NTS cancels or confirms, TS
# reduces or confirms, clearance clears; spot tasks and QA release no land.
ALLOWED_OUTCOMES = {
    "NTS": ("cancelled", "confirmed", "none"),
    "TS": ("reduced", "confirmed", "none"),
    "clearance": ("cleared", "none"),
    "EOD_spot": ("none",),
    "QA": ("none",),
}


def entity(name: str) -> Entity:
    """The entity called ``name`` (a layer name such as ``strikes``)."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise NotFoundError(
            N_("no layer {name!r}; layers: {layers}"), name=name, layers=", ".join(ENTITIES)
        ) from None
