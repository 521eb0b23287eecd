"""Profiles: how another system's files name remnant's layers, fields and values.

A profile is a TOML file (``imsma-core.toml`` in this package, or a programme's own): for
each remnant layer, the other system's layer name, field names, the labels of each value
(several labels, in several languages, to one value; the first is written on export),
and which reference fields are read from the system's list of linked ids. The record's
own id field becomes both remnant's ``id`` and its ``external_id``, so a second import
of the same export matches what is stored.

>>> profile = Profile.load("imsma-core")
>>> [(p.layer, p.name) for p in profile.layers][:2]
[('hazard_areas', 'hazard_poly'), ('activities', 'hazard_reduction_poly')]
>>> profile.layer("activities").labels("outcome")["Annulée"]
'cancelled'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from remnant import records
from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["LayerProfile", "Profile", "shapefile_names"]


@dataclass(frozen=True)
class LayerProfile:
    """One remnant layer as the other system has it."""

    layer: str
    name: str
    fields: dict[str, str]  # their field → ours
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # ours → labels
    links: dict[str, str] = field(default_factory=dict)  # reference field → id prefix

    def labels(self, name: str) -> dict[str, str]:
        """Every label of field ``name`` → remnant's value (for ``value_mapping``)."""
        return {label: value for value, ls in self.values.get(name, {}).items() for label in ls}


@dataclass(frozen=True)
class Profile:
    """A whole profile: its layers, in the order they are imported."""

    name: str
    system: str
    id_field: str
    links_field: str
    ignore: tuple[str, ...]
    layers: tuple[LayerProfile, ...]

    @classmethod
    def load(cls, name_or_path: str | Path) -> Profile:
        """A profile of this package by name (``imsma-core``) or from a TOML file."""
        path = Path(name_or_path)
        if path.suffix != ".toml":
            found = resources.files("remnant.profiles").joinpath(f"{name_or_path}.toml")
            if not found.is_file():
                known = sorted(
                    p.name[: -len(".toml")]
                    for p in resources.files("remnant.profiles").iterdir()
                    if p.name.endswith(".toml")
                )
                raise InputError(
                    N_("no profile {name_or_path!r}; profiles: {known}, or a .toml file"),
                    name_or_path=name_or_path,
                    known=", ".join(known),
                )
            text = found.read_text(encoding="utf-8")
        else:
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(
                    N_("cannot read the profile: {strerror}"), file=path, strerror=exc.strerror
                ) from None
        try:
            data = tomllib.loads(text)
            head = data["profile"]
            layers = tuple(
                LayerProfile(
                    layer=entry["layer"],
                    name=entry["name"],
                    fields=dict(entry["fields"]),
                    values={k: dict(v) for k, v in entry.get("values", {}).items()},
                    links=dict(entry.get("links", {})),
                )
                for entry in data["layers"]
            )
            profile = cls(
                head["name"],
                head["system"],
                head["id_field"],
                head["links_field"],
                tuple(head.get("ignore", ())),
                layers,
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(N_("not a remnant profile: {exc}"), file=path.name, exc=exc) from None
        profile._check()
        return profile

    def _check(self) -> None:
        for lp in self.layers:
            ent = records.entity(lp.layer)
            for name in [*lp.fields.values(), *lp.values, *lp.links]:
                if name not in ent.field_names:
                    raise InputError(
                        N_("profile {profile}: {layer} has no field {field_name!r}"),
                        profile=self.name,
                        layer=lp.layer,
                        field_name=name,
                    )

    def layer(self, layer: str) -> LayerProfile:
        """The profile of remnant layer ``layer``."""
        return next(lp for lp in self.layers if lp.layer == layer)

    def read(self, lp: LayerProfile, frame: pd.DataFrame, shapefile=False) -> pd.DataFrame:
        """A frame as the system wrote it → remnant's field names (values still labels).

        ``shapefile``: the frame is from a Shapefile, whose names GDAL and ArcGIS cut to
        10 characters (:func:`shapefile_names`); they are read as the names they cut.

        >>> profile = Profile.load("imsma-core")
        >>> theirs = pd.DataFrame({"imsma_id": ["device_7"], "condition": ["Unexploded"],
        ...     "imsma_links": ["hazard_poly_2, hazard_reduction_poly_5"], "OBJECTID": [1]})
        >>> profile.read(profile.layer("items"), theirs).to_dict("records")
        [{'state': 'Unexploded', 'activity': 'hazard_reduction_poly_5', 'id': 'device_7', \
'external_id': 'device_7', 'external_system': 'imsma'}]
        """
        if shapefile:
            names = self._names(lp)
            cut = {short: name for name, short in shapefile_names(names).items()}
            frame = frame.rename(columns={c: cut[c] for c in frame if c in cut and c not in names})
        out = frame.drop(columns=[c for c in self.ignore if c in frame]).rename(columns=lp.fields)
        if self.links_field in out:
            given = out.pop(self.links_field).to_numpy(object)
            distinct = [v for v in pd.unique(given) if isinstance(v, str)]
            for ref, prefix in lp.links.items():  # each distinct list of links read once
                linked = {v: _linked(v, prefix) for v in distinct}
                out[ref] = np.array([linked.get(v) for v in given], dtype=object)
        if self.id_field in out:
            ids = out.pop(self.id_field).to_numpy(object)
            out["id"], out["external_id"] = ids, ids
            out["external_system"] = np.array(
                [self.system if isinstance(v, str) else None for v in ids], dtype=object
            )
        return out

    def columns(self, lp: LayerProfile, shapefile=False) -> dict[str, str]:
        """Each remnant field → the column the system's file holds it in (see :meth:`read`).

        >>> profile = Profile.load("imsma-core")
        >>> columns = profile.columns(profile.layer("items"))
        >>> columns["state"], columns["activity"], columns["id"]
        ('condition', 'imsma_links', 'imsma_id')
        >>> profile.columns(profile.layer("hazard_areas"), shapefile=True)["date"]
        'date_of_re'
        """
        theirs = {ours: their for their, ours in lp.fields.items()}
        theirs |= dict.fromkeys(lp.links, self.links_field)
        theirs |= {"id": self.id_field, "external_id": self.id_field}
        if shapefile:
            cut = shapefile_names(self._names(lp))
            theirs = {ours: cut[their] for ours, their in theirs.items()}
        return theirs

    def _names(self, lp: LayerProfile) -> list[str]:
        """The column names a layer has in the system's files, in the profile's order."""
        return [self.id_field, *lp.fields, self.links_field, *self.ignore]

    def write(self, lp: LayerProfile, frame: pd.DataFrame, ids: dict[str, dict[str, str]]):
        """Records as remnant exports them → the system's names, labels and links.

        ``ids`` gives, for each layer, remnant id → the system's id (see :meth:`their_ids`).
        """
        out = frame.copy()
        for name, values in lp.values.items():
            if name in out:
                first = {value: labels[0] for value, labels in values.items()}
                out[name] = [first.get(v, v) for v in out[name]]
        if lp.links:
            targets = {ref: self._target(ref, lp) for ref in lp.links}
            out[self.links_field] = [
                ", ".join(
                    ids[targets[ref]].get(v, v)
                    for ref in lp.links
                    if isinstance(v := row[ref], str)
                )
                or None
                for _, row in out[list(lp.links)].iterrows()
            ]
            out = out.drop(columns=list(lp.links))
        out[self.id_field] = [ids[lp.layer][v] for v in out["id"]]
        theirs = {ours: their for their, ours in lp.fields.items()}
        keep = [self.id_field, *theirs, *([self.links_field] if lp.links else [])]
        if "geometry" in out:
            keep.append("geometry")
        return out[[c for c in keep if c in out]].rename(columns=theirs)

    def their_ids(self, lp: LayerProfile, frame: pd.DataFrame) -> dict[str, str]:
        """Each remnant id → the system's id for it.

        The external id the record came with, else one made in the system's pattern: the
        layer name, an underscore and remnant's id.
        """
        return {
            i: e if s == self.system and isinstance(e, str) else f"{lp.name}_{i}"
            for i, e, s in zip(
                frame["id"], frame["external_id"], frame["external_system"], strict=True
            )
        }

    def _target(self, ref: str, lp: LayerProfile) -> str:
        prefix = lp.links[ref]
        return next(p.layer for p in self.layers if prefix == f"{p.name}_")


def shapefile_names(names: list[str]) -> dict[str, str]:
    """Each name → the name GDAL's Shapefile driver gives its field (ArcGIS cuts alike).

    A name is cut to 10 characters; one that would repeat an earlier field's (case aside)
    becomes its first 8 characters, ``_`` and a number, or from the tenth its first 8 and
    two digits (GDAL's ``ogrshapelayer.cpp``).

    >>> shapefile_names(["hazard_name", "last_edited_user", "last_edited_date", "status"])
    {'hazard_name': 'hazard_nam', 'last_edited_user': 'last_edite', \
'last_edited_date': 'last_edi_1', 'status': 'status'}
    """
    out: dict[str, str] = {}
    for name in names:
        short, n = name[:10], 1
        while short.upper() in {s.upper() for s in out.values()}:
            short = f"{name[:8]}_{n}" if n < 10 else f"{name[:8]}{n:02d}"
            n += 1
        out[name] = short
    return out


def _linked(links: str, prefix: str) -> str | None:
    """The first of comma-separated ``links`` that starts with ``prefix``, if any.

    >>> _linked("hazard_poly_2, hazard_reduction_poly_5", "hazard_reduction_"), _linked("", "x")
    ('hazard_reduction_poly_5', None)
    """
    return next((t for t in (t.strip() for t in links.split(",")) if t.startswith(prefix)), None)
