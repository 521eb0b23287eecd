"""The one schema definition every backend creates: tables built from :mod:`remnant.records`.

Each record table has an integer ``fid`` (the GeoPackage feature id, never reused), the
record's stable text ``id``, a ``version`` counter for optimistic locking, the canonical
fields and, for spatial entities, a ``geom`` column in EPSG:4326. Beside them: the
``catalogue`` of munition entries a programme adds or overrides, the append-only ``audit``
log and ``remnant_meta`` with the schema version.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from remnant.entities import ENTITIES

__all__ = ["SCHEMA_VERSION", "Geometry", "metadata", "record_table"]

SCHEMA_VERSION = 13
GEOMETRY_COLUMN = "geom"
SRID = 4326


class Geometry(UserDefinedType):
    """A geometry column of one type in EPSG:4326.

    Values cross the driver as bytes in the backend's own encoding (a GeoPackage blob, or
    WKB that PostGIS converts); each backend renders its own DDL and conversions.
    """

    cache_ok = True

    def __init__(self, geometry_type: str):
        self.geometry_type = geometry_type

    def get_col_spec(self, **kw):
        """The column type in DDL: the geometry type name, as GeoPackage declares it."""
        return self.geometry_type

    def bind_expression(self, bindvalue):
        """Wrap a bound value in the backend's conversion from its encoding."""
        return _FromBackend(bindvalue)

    def column_expression(self, col):
        """Wrap a selected column in the backend's conversion to its encoding."""
        return _ToBackend(col)


class _FromBackend(sa.sql.functions.GenericFunction):
    inherit_cache = True


class _ToBackend(sa.sql.functions.GenericFunction):
    inherit_cache = True


@compiles(_FromBackend)
@compiles(_ToBackend)
def _plain(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(Geometry, "postgresql")
def _postgis_type(element, compiler, **kw):
    return f"geometry({element.geometry_type},{SRID})"


@compiles(_FromBackend, "postgresql")
def _postgis_from(element, compiler, **kw):
    return f"ST_GeomFromWKB({compiler.process(element.clauses, **kw)}, {SRID})"


@compiles(_ToBackend, "postgresql")
def _postgis_to(element, compiler, **kw):
    return f"ST_AsBinary({compiler.process(element.clauses, **kw)})"


_KINDS = {
    "text": sa.Text,
    "integer": sa.Integer,
    "real": sa.Float,
    "date": sa.Date,
    "boolean": sa.Boolean,
}

metadata = sa.MetaData()


def _record_table(name: str) -> sa.Table:
    ent = ENTITIES[name]
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.Text, nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]
    if ent.geometry:
        columns.append(sa.Column(GEOMETRY_COLUMN, Geometry(ent.geometry)))
    columns += [sa.Column(f.name, _KINDS[f.kind]()) for f in ent.fields if f.name != "id"]
    return sa.Table(name, metadata, *columns, sqlite_autoincrement=True, comment=ent.doc)


RECORD_TABLES = {name: _record_table(name) for name in ENTITIES}

catalogue = sa.Table(
    "catalogue",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("entry", sa.Text, nullable=False),  # the entry as TOML-equivalent JSON
    sa.Column("provenance", sa.Text, nullable=False),
    sqlite_autoincrement=True,
    comment="Munition entries of this store, adding to or overriding the default catalogue.",
)

survey = sa.Table(
    "survey",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),  # e.g. detection.TS
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sqlite_autoincrement=True,
    comment="Survey figures this programme sets in place of the shipped survey.toml's.",
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),  # ISO 8601, UTC
    sa.Column("user", sa.Text, nullable=False),
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("record_id", sa.Text, nullable=False, index=True),
    sa.Column("action", sa.Text, nullable=False),  # insert | update | delete
    sa.Column("before", sa.Text),  # JSON
    sa.Column("after", sa.Text),  # JSON
    sa.Column("hash", sa.Text),  # SHA-256 chain (remnant.store.audit); NULL: written outside
    sqlite_autoincrement=True,
    comment="Append-only log of every change: when, who, what, before and after.",
)

hazard_area_risk = sa.Table(
    "hazard_area_risk",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("hazard_area", sa.Text, nullable=False, unique=True),
    sa.Column("area_m2", sa.Float),
    sa.Column("expected", sa.Float),  # expected items remaining (the map's cells, summed)
    sa.Column("p_any", sa.Float),  # 1 - exp(-expected)
    sa.Column("mc_mean", sa.Float),
    sa.Column("p05", sa.Float),
    sa.Column("p50", sa.Float),
    sa.Column("p95", sa.Float),
    sa.Column("p_any_mc", sa.Float),
    sa.Column("samples", sa.Integer),
    sa.Column("cell_m", sa.Float),
    sa.Column("computed_at", sa.Text),
    sa.Column("rates", sa.Text),  # JSON: the dud rate used per munition type, with source
    sqlite_autoincrement=True,
    comment="Items remaining per hazard area from the last hazard map (derived; replaced per run).",
)

DERIVED_TABLES = {"hazard_area_risk": hazard_area_risk}

users = sa.Table(
    "users",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("role", sa.Text, nullable=False),  # viewer | editor | admin
    sa.Column("key_id", sa.Text, nullable=False, unique=True),  # public half of the API key
    sa.Column("salt", sa.Text, nullable=False),
    sa.Column("key_hash", sa.Text, nullable=False),  # scrypt of the secret half
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
    sqlite_autoincrement=True,
    comment="Web API users: role and a salted hash of their key (the key is shown once).",
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("record_id", sa.Text, nullable=False, index=True),
    sa.Column("state", sa.Text, nullable=False),  # pending | approved | rejected
    sa.Column("submitted_by", sa.Text, nullable=False),
    sa.Column("submitted_at", sa.Text, nullable=False),
    sa.Column("decided_by", sa.Text),
    sa.Column("decided_at", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("action", sa.Text),  # insert | update | delete
    sa.Column("proposal", sa.Text),  # JSON: the record as the gate admitted it (not delete)
    sa.Column("expected_version", sa.Integer),  # the version an update or delete was based on
    sqlite_autoincrement=True,
    comment="Editors' inserts, updates and deletes, waiting for or given an admin's decision.",
)

admin_units = sa.Table(
    "admin_units",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("level", sa.Integer, nullable=False),  # 1 province, 2 district, 3 commune
    sa.Column("code", sa.Text, nullable=False),  # the P-code
    sa.Column("name", sa.Text),
    sa.Column("parent", sa.Text),  # the code of the unit one level up
    sa.Column("source", sa.Text),  # the file the boundaries came from
    sa.Column(GEOMETRY_COLUMN, Geometry("MULTIPOLYGON")),
    sa.UniqueConstraint("level", "code"),
    sqlite_autoincrement=True,
    comment="Administrative units by level (docs/admin-units.md); records carry their codes.",
)

places = sa.Table(
    "places",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("names", sa.Text),  # other names, one per line (other scripts, spellings)
    sa.Column("kind", sa.Text),  # town, village …
    sa.Column("population", sa.Integer),
    sa.Column("source", sa.Text),
    sa.Column(GEOMETRY_COLUMN, Geometry("POINT")),
    sqlite_autoincrement=True,
    comment="The gazetteer: places with their names in every script (remnant places find).",
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.Text, nullable=False, unique=True),  # ATT- and a hash (store.attachments)
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("record_id", sa.Text, nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),  # the file name, as given
    sa.Column("kind", sa.Text, nullable=False),  # photo, sketch_map, certificate …
    sa.Column("caption", sa.Text),
    sa.Column("media_type", sa.Text, nullable=False),  # read from the content
    sa.Column("size", sa.Integer, nullable=False),  # bytes
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.Text, nullable=False),  # approved | pending (an editor's)
    sa.Column("added_by", sa.Text, nullable=False),
    sa.Column("added_at", sa.Text, nullable=False),
    sqlite_autoincrement=True,
    comment="Files kept with records: photos, sketch maps, certificates (docs/attachments.md).",
)

# Tables remnant keeps for itself, not offered to GIS clients as layers (API key hashes,
# proposals waiting for review, files kept as blobs): a GIS officer sees the records.
INTERNAL_TABLES = (users, reviews, attachments)

meta = sa.Table(
    "remnant_meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def record_table(name: str) -> sa.Table:
    """The table of the entity ``name``."""
    return RECORD_TABLES[name]
