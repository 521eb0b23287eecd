"""The munition catalogue: submunitions per carrier, footprint and dud-rate prior per type.

The default entries ship in ``munitions.toml`` beside this module, every figure with its
public source. A store may hold entries of its own that add to or override them.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources

from remnant.errors import InputError, NotFoundError
from remnant.translate import N_

# Where a strike's report came from; each class has a location σ in survey.toml.
SOURCE_CLASSES = (
    "surveyed",
    "eod_report",
    "military_record",
    "nts_informant",
    "media",
    "inferred",  # from a cluster of finds (remnant infer-strikes), not from a report
    "other",
)
MAX_SIGMA_M = 100_000  # the largest location or spread σ, metres, a figure or record may give

__all__ = [
    "UNKNOWN",
    "Munition",
    "SurveyFigures",
    "check_figure",
    "default_catalogue",
    "default_survey",
    "entry_fields",
    "lookup",
    "parse_catalogue",
    "parse_survey",
    "parse_survey_figures",
    "toml_entry",
]

UNKNOWN = "unknown"
_DELIVERIES = ("artillery", "rocket", "aircraft", "unknown")


@dataclass(frozen=True)
class Munition:
    """One catalogue entry: a submunition type in its carrier."""

    key: str
    name: str
    submunition: str
    carrier: str
    delivery: str
    submunitions_per_carrier: int
    footprint_length_m: float
    footprint_width_m: float
    beta: tuple[float, float]
    prior_q05: float
    prior_q95: float
    prior_basis: str
    test_rate: tuple[float, float] | None = None
    field_rate: tuple[float, float] | None = None
    sources: dict[str, str] = field(default_factory=dict)
    provenance: str = "remnant default catalogue"

    @property
    def prior_mean(self) -> float:
        """Mean of the Beta dud-rate prior."""
        a, b = self.beta
        return a / (a + b)


# The source key each figure of an entry must cite when a programme sets it.
FIGURE_SOURCES = {
    "submunitions_per_carrier": "submunitions_per_carrier",
    "footprint_length_m": "footprint",
    "footprint_width_m": "footprint",
    "test_rate": "test_rate",
    "field_rate": "field_rate",
    "beta": "prior",
    "prior_q05": "prior",
    "prior_q95": "prior",
}


def parse_catalogue(
    text: str,
    *,
    file: str = "catalogue",
    provenance: str | None = None,
    base: dict[str, Munition] | None = None,
):
    """Parse catalogue TOML (the layout of ``munitions.toml``) into ``{key: Munition}``.

    With ``base``, an entry whose key is there overrides only the fields it gives, and
    every figure a file sets must cite its source in the entry's ``sources`` table
    (``FIGURE_SOURCES`` names the key each figure cites).

    Raises
    ------
    InputError
        If the TOML is malformed or an entry misses a field, holds a value out of range or
        sets a figure without a source; the message names the entry and the field.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(N_("not valid TOML: {exc}"), file=file, exc=exc) from None
    entries = data.get("munitions")
    if not isinstance(entries, dict) or not entries:
        raise InputError(N_("no [munitions.KEY] tables found"), file=file)
    parsed = {}
    for key, entry in entries.items():
        if base is not None:
            sources = entry.get("sources", {})
            for figure, source in FIGURE_SOURCES.items():
                if figure in entry and not sources.get(source):
                    raise InputError(
                        N_(
                            'entry {key!r} sets {figure} without a source: add {source} = "…" to '
                            "[munitions.{key}.sources]"
                        ),
                        file=file,
                        field=figure,
                        key=key,
                        figure=figure,
                        source=source,
                    )
            if key in base:
                merged = entry_fields(base[key])
                merged.update({k: v for k, v in entry.items() if k != "sources"})
                merged["sources"] = {**merged["sources"], **sources}
                entry = merged
        parsed[key] = munition_from_fields(key, entry, file, provenance or f"file {file}")
    return parsed


def entry_fields(m: Munition) -> dict:
    """A Munition as the fields of its TOML entry (the inverse of parsing)."""
    fields = {k: v for k, v in asdict(m).items() if k not in ("key", "provenance")}
    fields["beta"] = list(m.beta)
    for rate in ("test_rate", "field_rate"):
        if fields[rate] is None:
            del fields[rate]
        else:
            fields[rate] = list(fields[rate])
    return fields


def munition_from_fields(key: str, entry: dict, file: str, provenance: str) -> Munition:
    """One entry from its fields (as parsed from TOML), checked; errors name the field."""

    def need(name, kind=float, low=None, high=None):
        if name not in entry:
            raise InputError(
                N_("entry {key!r} has no {name!r}"), file=file, field=name, key=key, name=name
            )
        value = entry[name]
        try:
            value = kind(value) if kind is not tuple else tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise InputError(
                N_("entry {key!r}: {name} must be {kind}, got {given!r}"),
                file=file,
                field=name,
                key=key,
                name=name,
                kind=kind.__name__,
                given=value,
            ) from None
        for v in value if isinstance(value, tuple) else (value,):
            if (low is not None and v <= low) or (high is not None and v >= high):
                raise InputError(
                    N_("entry {key!r}: {name} = {given!r} is out of range ({low}, {high})"),
                    file=file,
                    field=name,
                    key=key,
                    name=name,
                    given=value,
                    low=low,
                    high=high,
                )
        return value

    def rate(name):
        if name not in entry:
            return None
        lo, hi = need(name, tuple, -1e-12, 1 + 1e-12)
        if lo > hi:
            raise InputError(
                N_("entry {key!r}: {name} low {lo} > high {hi}"),
                file=file,
                field=name,
                key=key,
                name=name,
                lo=lo,
                hi=hi,
            )
        return (lo, hi)

    delivery = str(entry.get("delivery", "unknown"))
    if delivery not in _DELIVERIES:
        raise InputError(
            N_("entry {key!r}: delivery {delivery!r} is not one of {deliveries}"),
            file=file,
            field="delivery",
            key=key,
            delivery=delivery,
            deliveries=", ".join(_DELIVERIES),
        )
    beta = need("beta", tuple, 0)
    if len(beta) != 2:
        raise InputError(
            N_("entry {key!r}: beta must be [alpha, beta]"), file=file, field="beta", key=key
        )
    return Munition(
        key=key,
        name=str(entry.get("name", key)),
        submunition=str(entry.get("submunition", key)),
        carrier=str(entry.get("carrier", "unknown")),
        delivery=delivery,
        submunitions_per_carrier=need("submunitions_per_carrier", int, 0),
        footprint_length_m=need("footprint_length_m", float, 0),
        footprint_width_m=need("footprint_width_m", float, 0),
        beta=beta,
        prior_q05=need("prior_q05", float, 0, 1),
        prior_q95=need("prior_q95", float, 0, 1),
        prior_basis=str(entry.get("prior_basis", "")),
        test_rate=rate("test_rate"),
        field_rate=rate("field_rate"),
        sources={str(k): str(v) for k, v in entry.get("sources", {}).items()},
        provenance=provenance,
    )


@cache
def default_catalogue() -> dict[str, Munition]:
    """The catalogue shipped with remnant, ``{key: Munition}``.

    Examples
    --------
    >>> cat = default_catalogue()
    >>> cat["m77_m26"].submunitions_per_carrier
    644
    >>> "unknown" in cat
    True
    """
    text = resources.files(__package__).joinpath("munitions.toml").read_text("utf-8")
    return parse_catalogue(text, file="munitions.toml", provenance="remnant default catalogue")


def lookup(catalogue: dict[str, Munition], key: str) -> Munition:
    """The entry for ``key``, or a NotFoundError naming the keys there are.

    >>> lookup(default_catalogue(), "m77_m26").submunitions_per_carrier
    644
    >>> lookup(default_catalogue(), "m77")
    Traceback (most recent call last):
    remnant.errors.NotFoundError: no munition 'm77' in the catalogue; known: 9n210_9m27k, ...
    """
    try:
        return catalogue[key]
    except KeyError:
        raise NotFoundError(
            N_("no munition {key!r} in the catalogue; known: {catalogue}"),
            key=key,
            catalogue=", ".join(sorted(catalogue)),
        ) from None


# survey.toml's tables: (table, the figure's key in an entry, its largest value, attribute)
_SURVEY_TABLES = (
    ("detection", "probability", 1.0, "detection"),
    ("location_accuracy", "sigma_m", MAX_SIGMA_M, "location_sigma_m"),
    ("carrier_spread", "sigma_m", MAX_SIGMA_M, "carrier_spread_m"),
)


@dataclass(frozen=True)
class SurveyFigures:
    """Survey figures with their sources (see ``survey.toml``).

    Detection probability per activity type, location σ per source class (m), and carrier
    spread σ per delivery (m).
    """

    detection: dict[str, float]
    location_sigma_m: dict[str, float]
    carrier_spread_m: dict[str, float]
    sources: dict[str, str]

    def figures(self) -> dict[str, tuple[float, str]]:
        """Every figure as ``{"table.name": (value, source)}``.

        >>> default_survey().figures()["detection.clearance"][0]
        0.99
        """
        out = {}
        for table, _, _, attribute in _SURVEY_TABLES:
            for name, value in getattr(self, attribute).items():
                out[f"{table}.{name}"] = (value, self.sources[f"{table}.{name}"])
        return out

    @classmethod
    def of(cls, figures: dict[str, tuple[float, str]]) -> SurveyFigures:
        """The figures ``{"table.name": (value, source)}`` as a SurveyFigures."""
        values: dict[str, dict[str, float]] = {t[0]: {} for t in _SURVEY_TABLES}
        for key, (value, _) in figures.items():
            table, _, name = key.partition(".")
            values[table][name] = value
        sources = {key: source for key, (_, source) in figures.items()}
        return cls(
            values["detection"], values["location_accuracy"], values["carrier_spread"], sources
        )

    def overridden(self, figures: dict[str, tuple[float, str]]) -> SurveyFigures:
        """These figures with some replaced (a programme's own, :func:`parse_survey_figures`).

        >>> mine = default_survey().overridden({"detection.TS": (0.4, "our QA, 2024")})
        >>> mine.detection["TS"], mine.sources["detection.TS"], mine.detection["clearance"]
        (0.4, 'our QA, 2024', 0.99)
        """
        return SurveyFigures.of({**self.figures(), **figures})


def parse_survey_figures(
    text: str, *, file: str = "survey.toml", known: dict | None = None
) -> dict[str, tuple[float, str]]:
    r"""The figures of a file in the layout of ``survey.toml``, each checked.

    With ``known`` (the figures they override, e.g. ``default_survey().sources``) the file
    may give only some figures, but each must be one of those and say its source.

    >>> text = '[detection.TS]\nprobability = 0.4\nsource = "our QA"\n'
    >>> parse_survey_figures(text, known=default_survey().sources)
    {'detection.TS': (0.4, 'our QA')}
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(N_("not valid TOML: {exc}"), file=file, exc=exc) from None
    tables = {t[0] for t in _SURVEY_TABLES}
    if extra := sorted(set(data) - tables):
        raise InputError(
            N_("unknown table(s) {extra}; survey figures are in {tables}"),
            file=file,
            extra=", ".join(extra),
            tables=", ".join(sorted(tables)),
        )
    figures = {}
    for table, field_name, _, _ in _SURVEY_TABLES:
        entries = data.get(table)
        if entries is None and known is not None:
            continue
        if not isinstance(entries, dict) or not entries:
            raise InputError(
                N_("no [{table}.NAME] tables found"), file=file, field=table, table=table
            )
        for name, entry in entries.items():
            value = entry.get(field_name) if isinstance(entry, dict) else None
            source = str(entry.get("source", "")).strip() if isinstance(entry, dict) else ""
            key = f"{table}.{name}"
            figures[key] = check_figure(key, value, source, known=known, file=file)
    return figures


def check_figure(
    key: str, value, source: str, *, known: dict | None = None, file: str = "survey figures"
) -> tuple[float, str]:
    """A survey figure ``table.name`` checked: a number in its range, and with ``known``.

    With ``known`` (the figures it overrides) it must also be one of them and say its source.

    >>> check_figure("detection.TS", 0.4, "our QA")
    (0.4, 'our QA')
    >>> check_figure("detection.TS", 1.5, "x")
    Traceback (most recent call last):
    remnant.errors.InputError: ...: [detection.TS] probability must be a number from 0 to 1, got 1.5
    """
    table = key.partition(".")[0]
    field_name, high = {t[0]: (t[1], t[2]) for t in _SURVEY_TABLES}.get(table, ("value", 0.0))
    if table not in {t[0] for t in _SURVEY_TABLES}:
        raise InputError(N_("[{key}] is not a survey figure"), file=file, field=key, key=key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= high:
        raise InputError(
            N_("[{key}] {field_name} must be a number from 0 to {high:g}, got {given!r}"),
            file=file,
            field=key,
            key=key,
            field_name=field_name,
            high=high,
            given=value,
        )
    if known is not None:
        if key not in known:
            names = ", ".join(k for k in known if k.startswith(table + "."))
            raise InputError(
                N_("[{key}] is not a figure remnant uses; {table}: {names}"),
                file=file,
                field=key,
                key=key,
                table=table,
                names=names,
            )
        if not source:
            raise InputError(N_("[{key}] needs its source"), file=file, field=key, key=key)
    return float(value), source


def parse_survey(text: str, *, file: str = "survey.toml") -> SurveyFigures:
    """Parse a whole set of survey figures (the layout of ``survey.toml``).

    Raises
    ------
    InputError
        If a table is missing, a figure is not a number in its range, or the source
        classes are not exactly those the records allow.
    """
    survey = SurveyFigures.of(parse_survey_figures(text, file=file))
    classes = set(survey.location_sigma_m)
    if classes != set(SOURCE_CLASSES):
        missing = ", ".join(sorted(set(SOURCE_CLASSES) - classes)) or "none"
        unknown = ", ".join(sorted(classes - set(SOURCE_CLASSES))) or "none"
        raise InputError(
            N_(
                "[location_accuracy.NAME] must give exactly the source classes {classes}; missing: "
                "{missing}, unknown: {unknown}"
            ),
            file=file,
            field="location_accuracy",
            classes=", ".join(SOURCE_CLASSES),
            missing=missing,
            unknown=unknown,
        )
    if "unknown" not in survey.carrier_spread_m:
        raise InputError(
            N_("[carrier_spread.unknown] is needed, for munitions of no known delivery"),
            file=file,
            field="carrier_spread",
        )
    return survey


@cache
def default_survey() -> SurveyFigures:
    """The survey figures shipped with remnant.

    Examples
    --------
    >>> default_survey().detection["clearance"]
    0.99
    """
    text = resources.files(__package__).joinpath("survey.toml").read_text("utf-8")
    return parse_survey(text)
