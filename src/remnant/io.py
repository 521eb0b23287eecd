"""Import and export records as CSV, GeoJSON, GeoPackage, KML or Shapefile, in any CRS.

Reading is strict and whole: a file is read, every row is checked by
:func:`remnant.records.validate`, and only then is anything written — in one
transaction, so an import is all or nothing. A bad file gets one report naming the file,
row, field and value of every problem. Files are read and written through GDAL (pyogrio);
CSV through pandas, so that row numbers and encodings are exact.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from remnant import csvdialect, dates, records
from remnant.errors import ConflictError, InputError, Problem, RemnantError
from remnant.gate import Submission
from remnant.outputs import refuse_existing, written_beside
from remnant.store import Store, WriteSummary
from remnant.store.schema import DERIVED_TABLES
from remnant.translate import N_

__all__ = [
    "FORMATS",
    "ImportReport",
    "export_layer",
    "import_fields",
    "import_file",
    "import_records",
    "import_table",
    "read_table",
    "write_table",
]

log = logging.getLogger(__name__)

FORMATS = {
    ".csv": "CSV",
    ".tsv": "CSV",  # tab-separated, as GDAL reads it
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".kml": "KML",
    ".shp": "ESRI Shapefile",
    ".dbf": "ESRI Shapefile",  # a Shapefile's table alone: records without shapes
    ".gdb": "OpenFileGDB",  # an Esri File Geodatabase (a folder), as ArcGIS exports
    ".xlsx": "XLSX",  # a sheet per layer; geometry as in CSV (lon/lat, x/y or wkt)
}
MAX_FILE_BYTES = 2 * 1024**3
CHUNK_ROWS = 50_000  # rows read, checked and written at a time by an import
LON_NAMES, LAT_NAMES = ("lon", "longitude", "x"), ("lat", "latitude", "y")
# KML carries styling fields that are not data, and a name and description that are.
_KML_STYLING = {"timestamp", "begin", "end", "altitudemode", "tessellate", "extrude"}
_KML_STYLING |= {"visibility", "draworder", "icon", "snippet"}


@dataclass
class ImportReport:
    """What an import did."""

    file: str
    layer: str
    read: int
    written: WriteSummary
    rejected: int = 0
    warnings: list[Problem] = field(default_factory=list)
    rejects_file: Path | None = None

    def __str__(self) -> str:
        text = f"{self.file}: {self.read} rows read; {self.written}"
        if self.rejected:
            text += f"; {self.rejected} rejected (see {self.rejects_file})"
        if self.warnings:
            text += f"; {len(self.warnings)} warning(s)"
        return text


def _format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(
            N_("unknown file type {suffix!r}; use one of {formats}"),
            file=path.name,
            suffix=path.suffix,
            formats=", ".join(sorted(FORMATS)),
        ) from None


def _crs(value, file: str) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        raise InputError(
            N_("unknown CRS {given!r}; give an EPSG code such as EPSG:32637"),
            file=file,
            field="crs",
            given=value,
        ) from None


def parse_mapping(pairs) -> dict[str, str]:
    """``["src=dst", …]`` to ``{src: dst}``, refusing malformed pairs."""
    mapping = {}
    for pair in pairs or ():
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise InputError(N_("a column mapping is SOURCE=FIELD, got {pair!r}"), pair=pair)
        mapping[src.strip()] = dst.strip()
    return mapping


def shapefile_names(ent: records.Entity) -> dict[str, str]:
    """Canonical name → the at most 10-character name used in Shapefiles, unique per layer."""
    names, used = {}, set()
    for name in ent.field_names:
        short = name[:10]
        n = 1
        while short in used:
            short = f"{name[: 10 - len(str(n))]}{n}"
            n += 1
        names[name] = short
        used.add(short)
    return names


def read_table(path: str | Path, layer: str, **options) -> Submission:
    """A whole file's records for ``layer``, as one :class:`Submission`.

    The options are :func:`read_chunks`'s.
    """
    return next(read_chunks(path, layer, chunk_rows=None, **options))


def read_chunks(
    path: str | Path,
    layer: str,
    *,
    crs=None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    source_layer: str | None = None,
    ignore_extra: bool = False,
    value_mapping: dict[str, dict[str, str]] | None = None,
    date_format: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
    prepare=None,
    columns: dict[str, str] | None = None,
) -> Iterator[Submission]:
    """Read a file's records for ``layer`` with canonical column names, geometry in EPSG:4326.

    The file is read ``chunk_rows`` rows at a time (None: all at once), so memory follows
    the chunk, not the file.

    Parameters
    ----------
    path : path
        CSV (geometry from ``lon``/``lat`` or ``x``/``y`` columns, or ``wkt``), GeoJSON,
        GeoPackage, KML or Shapefile.
    layer : str
        The entity the records are (``strikes``, ``hazard_areas``, …).
    crs : CRS-like, optional
        The coordinates' CRS where the file does not say (CSV: default EPSG:4326).
    mapping : dict, optional
        Source column name → canonical field name, for files with other names.
    encoding : str, optional
        Text encoding of a CSV or Shapefile (default UTF-8).
    source_layer : str, optional
        Which layer of a multi-layer file (GeoPackage) to read.
    ignore_extra : bool
        Ignore columns that are not fields of ``layer`` instead of refusing the file.
    value_mapping : dict, optional
        Field → {label in the file: value}, labels matched case and accents aside
        (:func:`parse_value_mapping` reads them from ``FIELD:LABEL=VALUE,…``).
    date_format : str, optional
        How the file writes dates (``%d/%m/%Y``); without it day-first or month-first
        is read from the file as a whole (:mod:`remnant.dates`): a file of more than one
        chunk is then read twice.
    chunk_rows : int or None
        Rows per chunk; the file's problems come with each chunk's rows.
    prepare : callable, optional
        DataFrame → DataFrame applied to each chunk's columns as read, before they are
        matched to fields (a :class:`~remnant.profiles.Profile`'s reading).
    columns : dict, optional
        Field → the file's name for it, for the columns ``prepare`` renamed; problems
        name the file's column (``Submission.columns``), as they do for ``mapping``.

    Raises
    ------
    InputError
        For a file that cannot be used at all: missing, unreadable, too large, of unknown
        type, encoding or CRS, without a required column. Row-level problems are returned
        in ``Submission.problems`` and by :func:`remnant.records.validate`.
    """
    path = Path(path)
    name = path.name
    ent = records.entity(layer)
    fmt = _format(path)
    if not path.exists():
        raise InputError(N_("no such file"), file=path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            N_(
                "file is {size:.1f} GiB, over the {limit:.0f} GiB import limit; split it into "
                "smaller files"
            ),
            file=name,
            size=size / 1024**3,
            limit=MAX_FILE_BYTES / 1024**3,
        )

    def parts() -> Iterator[Submission]:
        comma = False  # numbers written with a decimal comma
        if fmt == "CSV":
            dialect = _csv_dialect(path, encoding)
            comma = dialect.separator != ","
            tables = _read_csv(path, ent, crs, dialect, chunk_rows)
        else:
            tables = _read_vector(path, ent, fmt, crs, encoding, source_layer, chunk_rows)
        for table in tables:
            if prepare is not None:
                table.frame = prepare(table.frame)
            _canonical_columns(table, ent, mapping or {}, fmt, ignore_extra)
            table.columns = {**(columns or {}), **table.columns}
            for f in ent.fields:
                if comma and f.kind == "real" and f.name in table.frame:
                    table.frame[f.name] = csvdialect.decimal_point(table.frame[f.name])
            _map_values(table, ent, value_mapping or {})
            yield table

    dated = [f.name for f in ent.fields if f.kind == "date"]

    def in_iso(table: Submission, order_format: str) -> Submission:
        for n in dated:
            if n in table.frame:
                table.frame[n] = dates.to_iso(table.frame[n].to_numpy(object), order_format)
        return table

    if date_format is not None or not dated:
        for table in parts():
            yield in_iso(table, date_format) if date_format else table
        return
    # The order is the file's: chunks with no day/month dates, or read after a date that
    # settles it, go on at once; a file is read twice only when a chunk holds day/month
    # dates that read either way and nothing before settled the order.
    order = dates.DateOrder()
    tables = parts()
    for k, table in enumerate(tables):
        seen = dates.DateOrder()
        for n in dated:
            if n in table.frame:
                seen.add(table.frame[n].to_numpy(object))
                order.add(table.frame[n].to_numpy(object))
        if seen.example is None:
            yield table
        elif (settled := order.settled(file=name)) is not None:
            yield in_iso(table, settled)
        else:  # the rest of the file decides; then again from this chunk
            for rest in tables:
                for n in dated:
                    if n in rest.frame:
                        order.add(rest.frame[n].to_numpy(object))
            found = order.format(file=name)
            for table in itertools.islice(parts(), k, None):
                yield in_iso(table, found) if found else table
            return
    order.format(file=name)  # a file that mixes the orders is refused, all of it


def parse_value_mapping(specs) -> dict[str, dict[str, str]]:
    """``["status:Open=open,Closed=closed", …]`` to ``{"status": {"Open": "open", …}}``.

    >>> parse_value_mapping(["status:Open=open,Fermé=closed", "kind:Suspected=SHA"])
    {'status': {'Open': 'open', 'Fermé': 'closed'}, 'kind': {'Suspected': 'SHA'}}
    """
    out: dict[str, dict[str, str]] = {}
    for spec in specs or ():
        field, sep, pairs = spec.partition(":")
        labels = dict(pair.partition("=")[::2] for pair in pairs.split(","))
        if (
            not sep
            or not field.strip()
            or not all(k.strip() and v.strip() for k, v in labels.items())
        ):
            raise InputError(
                N_("a value mapping is FIELD:LABEL=VALUE,LABEL=VALUE, got {spec!r}"), spec=spec
            )
        out.setdefault(field.strip(), {}).update({k.strip(): v.strip() for k, v in labels.items()})
    return out


def _map_values(table: Submission, ent: records.Entity, value_mapping) -> None:
    """Replace the file's labels by remnant's values, field by field."""
    for name, labels in value_mapping.items():
        if name not in ent.field_names:
            raise InputError(
                N_("{option} names {name!r}, not a field of {layer}"),
                file=table.file,
                option="value_mapping",
                value="{field: {label: value}}",
                name=name,
                layer=ent.name,
            )
        if name not in table.frame:
            continue
        table.labels[name] = list(labels)
        keys = {records.choice_key(k): v for k, v in labels.items()}
        values = table.frame[name].to_numpy(object)
        seen = [v for v in pd.unique(values) if isinstance(v, str)]  # each label once
        mapped = {v: keys[records.choice_key(v)] for v in seen if records.choice_key(v) in keys}
        mapped = {label: value for label, value in mapped.items() if label != value}
        if not mapped:
            continue
        where = np.flatnonzero(pd.Series(values).isin(list(mapped)).to_numpy())
        given = values[where]
        values = values.copy()
        values[where] = [mapped[v] for v in given]
        table.frame[name] = values
        for row, label in zip(table.rows[where].tolist(), given.tolist(), strict=True):
            table.read_as.setdefault(row, {})[name] = label


@dataclass(frozen=True)
class _CsvDialect:
    encoding: str
    separator: str


def _csv_dialect(path: Path, encoding: str | None) -> _CsvDialect:
    """A CSV file's encoding and column separator (:func:`remnant.csvdialect.separator`).

    The encoding is UTF-8 unless given, or UTF-16 where the file starts with its byte order
    mark, as Excel's "Unicode text" does.
    """
    if encoding is None:
        with open(path, "rb") as fh:
            encoding = "utf-16" if fh.read(2) in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    with _csv_errors(path, encoding), open(path, newline="", encoding=encoding) as fh:
        return _CsvDialect(encoding, csvdialect.separator(fh.readline()))


def _read_csv(
    path: Path, ent: records.Entity, crs, dialect: _CsvDialect, chunk_rows
) -> Iterator[Submission]:
    name, encoding, sep = path.name, dialect.encoding, dialect.separator
    with _csv_errors(path, encoding):
        with open(path, newline="", encoding=encoding) as fh:
            header = next(csv.reader(fh, delimiter=sep), None)
        if not header:
            raise InputError(N_("the file is empty"), file=name)
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            raise InputError(
                N_("column(s) named twice: {repeated}"), file=name, repeated=", ".join(repeated)
            )
        options = {"dtype": str, "keep_default_na": False, "skipinitialspace": True, "sep": sep}
        options["encoding"] = encoding
        if chunk_rows is None:
            frames = iter([pd.read_csv(path, **options)])
        else:
            frames = pd.read_csv(path, chunksize=chunk_rows, **options)
        start, source_crs = 2, None  # row 1 is the header
        for frame in itertools.chain(frames, [None] if chunk_rows else []):
            if frame is None:  # after the last chunk: a file of no rows still gives one
                if start > 2:
                    break
                frame = pd.DataFrame(columns=header, dtype=str)
            frame.columns = [c.strip() for c in header]
            rows = np.arange(start, start + len(frame))
            start += len(frame)
            table = _without_blank_rows(Submission(name, frame, None, rows))
            if ent.geometry is not None:
                source_crs = source_crs or _crs(crs if crs is not None else 4326, name)
                _csv_geometry(table, source_crs, decimal_comma=sep != ",")
            yield table


def _without_blank_rows(table: Submission) -> Submission:
    """``table`` (its values text) without the rows whose every cell is blank.

    A spreadsheet leaves such rows (``,,,,``) where rows were cleared; they hold no record.
    The others keep their row numbers.

    >>> table = Submission("f.csv", pd.DataFrame({"a": ["1", "", ""], "b": ["", " ", "2"]}),
    ...     None, np.array([2, 3, 4]))
    >>> _without_blank_rows(table).rows.tolist()
    [2, 4]
    """
    frame = table.frame
    if frame.empty:
        return table
    blank = frame.iloc[:, 0].to_numpy(object) == ""  # few rows, if any, from here on
    for column in frame.columns:
        if not blank.any():
            return table
        blank[blank] = (frame[column][blank].str.strip() == "").to_numpy(bool)
    if blank.any():
        table.frame, table.rows = frame[~blank].reset_index(drop=True), table.rows[~blank]
    return table


@contextlib.contextmanager
def _csv_errors(path: Path, encoding: str) -> Iterator[None]:
    """Decoding and parsing errors of a CSV file, raised as InputError naming the file."""
    name = path.name
    try:
        yield
    except UnicodeDecodeError:
        line, byte = _first_undecodable(path, encoding)
        raise InputError(
            N_(
                "line {line} is not valid {encoding} (byte 0x{byte:02x}); give the file's encoding "
                "with {option}"
            ),
            file=name,
            option="encoding",
            value="'cp1252'",
            line=line,
            encoding=encoding.replace("utf-8-sig", "UTF-8"),
            byte=byte,
        ) from None
    except LookupError:
        raise InputError(
            N_("unknown encoding {encoding!r}"), file=name, field="encoding", encoding=encoding
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise InputError(
            N_("not a readable CSV file: {exc}"), file=name, exc=str(exc).strip()
        ) from None


def _first_undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """The number of the first line ``encoding`` cannot decode, and its first bad byte."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as exc:
                return number, line[exc.start]
    return 0, 0


def _csv_geometry(table: Submission, source_crs: pyproj.CRS, decimal_comma: bool = False) -> None:
    """Points from the lon/lat (x/y) columns, or shapes from a wkt column, in EPSG:4326."""
    frame = table.frame
    lower = {c.lower(): c for c in frame.columns}
    lon = next((lower[c] for c in LON_NAMES if c in lower), None)
    lat = next((lower[c] for c in LAT_NAMES if c in lower), None)
    wkt = lower.get("wkt")
    if lon and lat:
        table.geometry = _points_from_columns(table, lon, lat, decimal_comma)
        table.frame = frame.drop(columns=[lon, lat])
        table.columns["geometry"] = f"{lon}, {lat}"
    elif wkt:
        table.geometry = _geometries_from_wkt(table, wkt)
        table.frame = frame.drop(columns=[wkt])
        table.columns["geometry"] = wkt
    else:
        raise InputError(
            N_("no geometry: give lon and lat columns (or x and y and the CRS), or a wkt column"),
            file=table.file,
        )
    table.geometry = _to_wgs84(table.geometry, source_crs)


def _points_from_columns(table: Submission, lon: str, lat: str, decimal_comma) -> np.ndarray:
    xy = []
    for column in (lon, lat):
        raw = (
            csvdialect.decimal_point(table.frame[column]) if decimal_comma else table.frame[column]
        )
        values = pd.to_numeric(raw, errors="coerce").to_numpy(float)  # spaces aside
        for i in np.flatnonzero(np.isnan(values)):
            if pd.isna(raw.iat[i]) or not raw.iat[i].strip():
                continue  # blank: no point, not a problem
            table.problems.append(
                Problem(table.file, int(table.rows[i]), column, raw.iat[i], N_("is not a number"))
            )
        xy.append(values)
    geoms = shapely.points(xy[0], xy[1])
    return records.blanked(geoms, np.isnan(xy[0]) | np.isnan(xy[1]))


def _geometries_from_wkt(table: Submission, column: str) -> np.ndarray:
    raw = table.frame[column].str.strip().to_numpy(object)
    raw[raw == ""] = None
    geoms = shapely.from_wkt(raw, on_invalid="ignore")
    for i in np.flatnonzero(shapely.is_missing(geoms) & (raw != None)):  # noqa: E711
        table.problems.append(
            Problem(table.file, int(table.rows[i]), column, raw[i], N_("is not readable WKT"))
        )
    return geoms


def _to_wgs84(geoms: np.ndarray, source: pyproj.CRS) -> np.ndarray:
    if source.equals(pyproj.CRS.from_epsg(4326)):
        return geoms
    transformer = pyproj.Transformer.from_crs(source, 4326, always_xy=True)
    with np.errstate(invalid="ignore"):
        return shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )


# Formats GDAL reads a slice of without reading what comes before it.
_SLICEABLE = {"GPKG", "ESRI Shapefile", "FlatGeobuf", "OpenFileGDB"}


def _read_vector(
    path: Path, ent, fmt: str, crs, encoding, source_layer, chunk_rows
) -> Iterator[Submission]:
    name = path.name
    try:
        total = pyogrio.read_info(path, layer=source_layer, encoding=encoding)["features"]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(N_("GDAL cannot read it: {exc}"), file=name, exc=exc) from None
    if chunk_rows is None or fmt not in _SLICEABLE or total < 0:
        slices = [(0, None)]
    else:
        slices = [(k, chunk_rows) for k in range(0, max(total, 1), chunk_rows)]
    for skip, count in slices:
        try:
            with _sheet_options(fmt):
                meta, _, wkb, values = pyogrio.raw.read(
                    path,
                    layer=source_layer,
                    encoding=encoding,
                    skip_features=skip,
                    max_features=count,
                )
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise InputError(N_("GDAL cannot read it: {exc}"), file=name, exc=exc) from None
        frame = pd.DataFrame(
            {column: _plain_column(v) for column, v in zip(meta["fields"], values, strict=True)}
        )
        if fmt == "XLSX":  # row 1 holds the names; blank cells are empty text, as in CSV
            frame = frame.fillna("")
        first = skip + (2 if fmt == "XLSX" else 1)
        table = Submission(name, frame, None, np.arange(first, first + len(frame)))
        if fmt == "XLSX":
            table = _without_blank_rows(table)
        if ent.geometry is not None and fmt == "XLSX":
            _csv_geometry(table, _crs(crs if crs is not None else 4326, name))
        elif ent.geometry is not None:
            _vector_geometry(table, wkb, meta.get("crs"), crs)
        yield table


@contextlib.contextmanager
def _sheet_options(fmt: str) -> Iterator[None]:
    """Read a spreadsheet's row 1 as its names and every cell as text, as in CSV.

    GDAL's XLSX driver takes these as configuration options (passed as open options
    they are ignored), and left to guess it reads a sheet whose rows are all text as
    having no names (Field1, Field2, …).
    """
    if fmt != "XLSX":
        yield
        return
    wanted = {"OGR_XLSX_HEADERS": "FORCE", "OGR_XLSX_FIELD_TYPES": "STRING"}
    before = {k: pyogrio.get_gdal_config_option(k) for k in wanted}
    pyogrio.set_gdal_config_options(wanted)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _vector_geometry(table: Submission, wkb, file_crs, crs) -> None:
    """The rows' shapes in EPSG:4326, from the file's CRS (or the one given for it)."""
    name = table.file
    if wkb is None:
        raise InputError(N_("the layer has no geometry"), file=name)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    for i in np.flatnonzero(shapely.is_missing(geoms) & (wkb != None)):  # noqa: E711
        table.problems.append(
            Problem(name, int(table.rows[i]), "geometry", None, N_("geometry cannot be read"))
        )
    if file_crs and crs is not None and not _crs(crs, name).equals(_crs(file_crs, name)):
        raise InputError(
            N_("the file says its CRS is {file_crs}, but the CRS given is {crs}"),
            file=name,
            field="crs",
            file_crs=file_crs,
            crs=crs,
        )
    if not file_crs and crs is None:
        raise InputError(
            N_("the file has no CRS; give it with {option}"),
            file=name,
            field="crs",
            option="crs",
            value="'EPSG:4326'",
        )
    table.geometry = _to_wgs84(geoms, _crs(file_crs or crs, name))


def _plain_column(values: np.ndarray) -> np.ndarray:
    """Dates from GDAL as ISO text, so that validation sees one form of date."""
    if np.issubdtype(values.dtype, np.datetime64):
        text = np.datetime_as_string(values, unit="D").astype(object)
        text[np.isnat(values)] = None
        return text
    return values


def _canonical_columns(table: Submission, ent, mapping, fmt, ignore_extra) -> None:
    """Rename the table's columns to canonical field names; refuse unknown or missing ones.

    ``table.columns`` keeps the file's name of each field it renamed.
    """
    frame = table.frame
    written = {c: c for c in frame.columns}  # name now → name in the file

    def rename(frame: pd.DataFrame, names: dict) -> pd.DataFrame:
        nonlocal written
        written = {names.get(c, c): w for c, w in written.items()}
        return frame.rename(columns=names)

    missing = [src for src in mapping if src not in frame.columns]
    if missing:
        raise InputError(
            N_("{option} names column(s) not in the file: {missing}"),
            file=table.file,
            option="mapping",
            value="{…}",
            missing=", ".join(missing),
        )
    frame = rename(frame, mapping)
    known = set(ent.field_names)
    if fmt == "ESRI Shapefile":
        short = {s: c for c, s in shapefile_names(ent).items()}
        frame = rename(frame, {c: short[c] for c in frame.columns if c in short and c not in known})
    if fmt == "KML":
        frame = _kml_columns(frame, ent)
    lower = {c.lower(): c for c in frame.columns if c not in known}
    frame = rename(frame, {lower[k]: k for k in known if k in lower})
    table.columns |= {c: w for c, w in written.items() if c in known and c != w}
    extra = [c for c in frame.columns if c not in known]
    if extra and not ignore_extra:
        raise InputError(
            N_(
                "column(s) not in the {name} layer: {extra}; map them to fields or pass {option} "
                "to leave them out (fields: {field_names})"
            ),
            file=table.file,
            option="ignore_extra",
            name=ent.name,
            extra=", ".join(extra),
            field_names=", ".join(ent.field_names),
        )
    table.frame = frame.drop(columns=extra)
    absent = [f.name for f in ent.fields if f.required and f.name not in table.frame.columns]
    if absent:
        raise InputError(
            N_("required column(s) missing: {absent} (map them if they have other names)"),
            file=table.file,
            absent=", ".join(absent),
        )


def _kml_columns(frame: pd.DataFrame, ent: records.Entity) -> pd.DataFrame:
    """Drop KML's own elements; keep a non-blank Name and Description as fields or notes.

    GDAL's LIBKML driver reads KML's elements (a Placemark's id, a time span's begin and
    end, …) under their names and a data field of the same name as NAME2.
    """
    own = _KML_STYLING | {"id"}
    clashes = {c: c[:-1] for c in frame.columns if c.endswith("2") and c[:-1] in frame.columns}
    frame = frame.drop(columns=list(clashes.values())).rename(columns=clashes)
    frame = frame.drop(
        columns=[c for c in frame.columns if c.lower() in own and c not in clashes.values()]
    )
    notes = (
        frame["notes"].fillna("").astype(str) if "notes" in frame else pd.Series([""] * len(frame))
    )
    for column in [c for c in frame.columns if c.lower() in ("name", "description")]:
        if column.lower() in ent.field_names:
            frame = frame.rename(columns={column: column.lower()})
            continue
        text = frame.pop(column).fillna("").astype(str).str.strip()
        labelled = np.where(text != "", column.lower() + ": " + text, "")
        notes = pd.Series(
            ["; ".join(p for p in pair if p) for pair in zip(notes, labelled, strict=True)]
        )
    if (notes != "").any():
        frame["notes"] = notes.where(notes != "", None).to_numpy(object)
    return frame


def import_file(
    store: Store,
    path: str | Path,
    layer: str,
    *,
    crs=None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    source_layer: str | None = None,
    ignore_extra: bool = False,
    value_mapping: dict[str, dict[str, str]] | None = None,
    date_format: str | None = None,
    skip_invalid: bool = False,
    overwrite: bool = False,
    chunk_rows: int | None = CHUNK_ROWS,
    prepare=None,
    columns: dict[str, str] | None = None,
    **write_options,
) -> ImportReport:
    r"""Read, validate and store one file's records, all or nothing.

    With ``skip_invalid`` the good rows are written and the bad ones go to
    ``NAME.rejects.csv`` beside the input, each with its problems; otherwise any bad row
    refuses the whole file with :class:`~remnant.errors.InvalidRecordsError`, and the
    store is unchanged. The file is read, checked and written ``chunk_rows`` rows at a
    time, in one transaction, so memory follows the chunk and not the file. See
    :func:`read_chunks` for how the file is read and :func:`import_table` for ``user``
    and ``update``.

    >>> import pathlib, tempfile
    >>> from remnant.store import create_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = create_store(folder / "programme.gpkg")
    >>> _ = (folder / "strikes.csv").write_text(
    ...     "id,munition,carriers,source_class,lon,lat\n"
    ...     "S1,m77_m26,2,eod_report,35.5,33.3\n"
    ...     "S2,m77_m26,two,eod_report,35.6,33.3\n")
    >>> import_file(store, folder / "strikes.csv", "strikes")
    Traceback (most recent call last):
    remnant.errors.InvalidRecordsError: strikes.csv: 1 bad row(s), 1 problem(s); nothing was written
    >>> report = import_file(store, folder / "strikes.csv", "strikes", skip_invalid=True)
    >>> report.written.inserted, report.rejected, report.rejects_file.name
    (['S1'], 1, 'strikes.csv.rejects.csv')
    """
    path = Path(path)
    rejects = path.with_name(path.name + ".rejects.csv")
    if skip_invalid and rejects.exists() and not overwrite:
        raise InputError(
            N_("{rejects} exists; remove it or pass {option}"),
            file=path.name,
            option="overwrite",
            rejects=rejects,
        )
    options = {
        "crs": crs,
        "mapping": mapping,
        "encoding": encoding,
        "source_layer": source_layer,
        "ignore_extra": ignore_extra,
        "value_mapping": value_mapping,
        "date_format": date_format,
        "chunk_rows": chunk_rows,
        "prepare": prepare,
        "columns": columns,
    }
    return _import(
        store,
        read_chunks(path, layer, **options),
        layer,
        file=path.name,
        again=lambda: read_chunks(path, layer, **options),
        skip_invalid=skip_invalid,
        rejects=rejects,
        **write_options,
    )


def import_records(
    store: Store, layer: str, frame, *, name: str = "records", **options
) -> ImportReport:
    """Validate and store records given as a (Geo)DataFrame with canonical columns."""
    return import_table(store, Submission.of(layer, frame, file=name), layer, **options)


def import_fields(
    store: Store,
    layer: str,
    values: dict[str, str],
    *,
    wkt: str | None = None,
    crs: str = "EPSG:4326",
    user: str | None = None,
) -> ImportReport:
    """Validate and store one record typed as field values (text) and a WKT geometry.

    The record goes through the same checks as a file's rows; errors name the arguments.
    """
    ent = records.entity(layer)
    file = "arguments"
    table = Submission(file, pd.DataFrame([values], dtype=object), None, np.array([1]))
    if ent.geometry:
        table.frame["geometry"] = [wkt]
        table.geometry = _to_wgs84(_geometries_from_wkt(table, "geometry"), _crs(crs, file))
        table.frame = table.frame.drop(columns="geometry")
    return import_table(store, table, layer, user=user)


def import_table(store: Store, table: Submission, layer: str, **options) -> ImportReport:
    """Offer records as read to the store's gate and write what it admits, all or nothing.

    Records already stored with the same values are left as they are, so a file imported
    twice adds nothing; ``update`` lets changed values replace stored ones (audited).
    With ``skip_invalid`` the refused rows go to ``rejects`` with their problems
    (options: ``user``, ``update``, ``skip_invalid``, ``rejects``).
    """
    return _import(store, [table], layer, file=table.file, again=lambda: [table], **options)


def _import(
    store: Store,
    tables: Iterable[Submission],
    layer: str,
    *,
    file: str,
    again,
    user: str | None = None,
    update: bool = False,
    skip_invalid: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    """Write ``tables`` (one file's parts) in one transaction.

    ``again()`` reads them anew, to copy the rejected rows.
    """
    read = 0

    def counted():
        nonlocal read
        for table in tables:
            read += len(table.rows)
            yield table

    try:
        written = store.write(layer, counted(), user=user, update=update, skip_invalid=skip_invalid)
    except ConflictError as exc:
        raise ConflictError(N_("{exc}; nothing was written"), exc=exc) from None
    if read == 0:
        raise InputError(N_("has no records"), file=file)
    bad_rows = {p.row for p in written.problems}
    report = ImportReport(file, layer, read, written, len(bad_rows), written.warnings)
    if written.problems:
        report.rejects_file = _write_rejects(
            rejects or Path(file + ".rejects.csv"), again(), written.problems
        )
    log.info("%s", report)
    return report


def _write_rejects(rejects: Path, tables: Iterable[Submission], problems: list[Problem]) -> Path:
    """The bad rows as read, each with its row number and problems, beside the input."""
    by_row: dict[int | None, list[str]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(
            str(p).split(": ", 1)[-1] if p.field is None else f"{p.field}: {p.message}"
        )
    wanted = sorted(r for r in by_row if r is not None)
    header = True
    for table in tables:
        positions = np.flatnonzero(np.isin(table.rows, wanted))
        frame = table.frame.iloc[positions].copy()
        if table.geometry is not None:
            frame["wkt"] = shapely.to_wkt(table.geometry[positions], rounding_precision=17)
        frame.insert(0, "problems", [" | ".join(by_row[r]) for r in table.rows[positions]])
        frame.insert(0, "row", table.rows[positions])
        frame.to_csv(rejects, index=False, header=header, mode="w" if header else "a")
        header = False
    return rejects


def table_for_export(store: Store, layer: str):
    """The layer's records as a GeoDataFrame ready for writing (dates as ISO text)."""
    frame = store.read(layer)
    ent = records.entity(layer)
    for f in ent.fields:
        if f.kind == "date":
            frame[f.name] = [None if v is None else v.isoformat() for v in frame[f.name]]
        if f.kind == "boolean":
            frame[f.name] = pd.array(
                [None if v is None else int(v) for v in frame[f.name]], dtype="Int64"
            )
    return frame


def export_layer(
    store: Store, layer: str, path: str | Path, *, overwrite: bool = False, crs=None
) -> int:
    """Write every record of ``layer`` to ``path`` (format from its suffix); return the count.

    Derived tables (a model's output, such as ``hazard_area_risk``) export as CSV. ``crs``
    (e.g. a national UTM zone) reprojects the geometries; see :func:`write_table`.

    >>> import pathlib, tempfile, geopandas as gpd, shapely
    >>> from remnant.store import create_store
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> store = create_store(folder / "programme.gpkg")
    >>> strike = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"], "carriers": [2],
    ...     "source_class": ["eod_report"]}, geometry=[shapely.Point(35.5, 33.3)], crs=4326)
    >>> _ = import_records(store, "strikes", strike)
    >>> export_layer(store, "strikes", folder / "strikes.geojson")
    1
    >>> gpd.read_file(folder / "strikes.geojson")["id"].tolist()
    ['S1']
    """
    if layer in DERIVED_TABLES:
        path = Path(path)
        if _format(path) != "CSV":
            raise InputError(N_("{layer} exports as CSV only"), file=path.name, layer=layer)
        refuse_existing(path, overwrite=overwrite)
        frame = store.read_derived(layer)
        with written_beside(path) as folder:
            frame.to_csv(folder / path.name, index=False)
        return len(frame)
    frame = table_for_export(store, layer)
    write_table(frame, layer, path, overwrite=overwrite, crs=crs)
    return len(frame)


def write_table(frame, layer: str, path: str | Path, *, overwrite: bool = False, crs=None) -> None:
    """Write records to a file, whole or not at all: written beside it, then moved in place.

    CSV holds points as ``lon``/``lat`` and other geometries as ``wkt`` (17 decimals, so a
    re-import finds the same records); Shapefile names are cut to 10 characters
    (:func:`shapefile_names`), which import maps back. With a projected ``crs`` the
    geometries are reprojected and CSV points become ``x``/``y`` (import them with the same
    CRS); GeoJSON and KML stay in WGS 84, as their specifications require.
    """
    path = Path(path)
    fmt = _format(path)
    ent = records.entity(layer)
    if crs is not None and ent.geometry is not None:
        target_crs = _crs(crs, path.name)
        if fmt in ("GeoJSON", "KML") and not target_crs.equals(pyproj.CRS.from_epsg(4326)):
            raise InputError(
                N_(
                    "{fmt} is always in WGS 84 (EPSG:4326); for {crs} write CSV, GeoPackage or "
                    "Shapefile"
                ),
                file=path.name,
                fmt=fmt,
                crs=crs,
            )
        frame = frame.to_crs(target_crs)
    siblings = (
        [path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        if fmt == "ESRI Shapefile"
        else [path]
    )
    refuse_existing(*siblings, overwrite=overwrite)
    table_alone = path.suffix.lower() == ".dbf"  # a Shapefile's table without shapes
    if ent.geometry is None and fmt in ("KML", "ESRI Shapefile") and not table_alone:
        raise InputError(
            N_("{layer} have no geometry: export them as CSV, GeoJSON or GeoPackage"),
            file=path.name,
            layer=layer,
        )
    with written_beside(path) as folder:
        target = folder / path.name
        if fmt == "CSV":
            _write_csv(frame, ent, target)
        else:
            out = frame
            if fmt == "ESRI Shapefile":
                out = frame.rename(columns=shapefile_names(ent))
            kwargs: dict[str, str | None] = {"layer": layer} if fmt == "GPKG" else {}
            if ent.geometry is None:
                kwargs["geometry_type"] = None
            pyogrio.write_dataframe(out, target, driver=fmt, **kwargs)


def _write_csv(frame, ent: records.Entity, target: Path) -> None:
    out = _flat_geometry(frame, ent)
    if ent.geometry == "POINT" and not (frame.crs is None or frame.crs.is_geographic):
        out = out.rename(columns={"lon": "x", "lat": "y"})
    out.to_csv(target, index=False, sep="\t" if target.suffix.lower() == ".tsv" else ",")


PROFILE_FORMATS = {"gdb": "OpenFileGDB", "xlsx": "XLSX", "csv": "CSV"}


def import_profile(store: Store, path: str | Path, profile, **options) -> list[ImportReport]:
    """Import every layer ``profile`` knows from ``path``, in the profile's order.

    ``path`` is a multi-layer file (File Geodatabase ``.gdb``, GeoPackage, ``.xlsx`` with a
    sheet per layer) or a folder of ``NAME.csv`` or ``NAME.shp`` files (``NAME.dbf`` for a
    layer without shapes), ``NAME`` being the profile's name of each layer; layers it does
    not hold are left out. Each layer is imported as by :func:`import_file` (all or nothing
    per layer; ``options`` as there), so a layer's links reach the layers imported before
    it; a second import adds nothing.

    Another system exports hazard areas as they are now, after the activities that
    worked on them. New areas are therefore written open, the activities then move them
    as the land-release workflow does (:mod:`remnant.workflow`), and the status the file
    gives is set last where the workflow allows it; where it does not (a file that says
    closed though its activities leave land), the area keeps the workflow's status and
    the report carries a warning naming it.
    """
    from remnant.profiles import Profile

    path = Path(path)
    if not isinstance(profile, Profile):
        profile = Profile.load(profile)
    if not path.exists():
        raise InputError(N_("no such file or folder"), file=path)
    folder = path.is_dir() and path.suffix.lower() != ".gdb"
    held = _held(path, folder)
    used: set[str] = set()
    extra_labels = options.pop("value_mapping", None) or {}
    user = options.get("user")
    stored_areas = set(store.read("hazard_areas")["id"])
    final: dict[str, str] = {}  # new area → the status the file gives it

    def read(lp, frame, shapefile):
        frame = profile.read(lp, frame, shapefile)
        if lp.layer == "hazard_areas" and "status" in frame:
            choices = records.entity("hazard_areas").field("status").choices or ()
            keys = {records.choice_key(c): c for c in choices}
            keys |= {records.choice_key(k): v for k, v in lp.labels("status").items()}
            for i, (rid, label) in enumerate(zip(frame["id"], frame["status"], strict=True)):
                status = keys.get(records.choice_key(label)) if isinstance(label, str) else None
                if rid not in stored_areas and status is not None:  # else the gate judges it
                    final[rid] = status
                    frame.iat[i, frame.columns.get_loc("status")] = "open"
        return frame

    reports = []
    for lp in profile.layers:
        candidates = [lp.name + s for s in _LAYER_FILES] if folder else [lp.name]
        found = [held[n.lower()] for n in candidates if n.lower() in held]
        if any(f.lower().endswith(".shp") for f in found):  # its .dbf is part of it
            found = [f for f in found if not f.lower().endswith(".dbf")]
        if len(found) > 1:
            raise InputError(
                N_("holds both {files}: keep one"), file=path.name, files=", ".join(found)
            )
        if not found:
            continue
        used.update(n.lower() for n in candidates)
        source = path / found[0] if folder else path
        shapefile = folder and source.suffix.lower() != ".csv"
        labels = {name: lp.labels(name) for name in lp.values}
        reports.append(
            import_file(
                store,
                source,
                lp.layer,
                source_layer=None if folder else found[0],
                value_mapping={**labels, **extra_labels},
                prepare=lambda frame, lp=lp, shp=shapefile: read(lp, frame, shp),
                columns=profile.columns(lp, shapefile),
                **options,
            )
        )
    if not reports:
        names = ", ".join(lp.name for lp in profile.layers)
        raise InputError(
            N_("holds none of the {name} layers ({names})"),
            file=path.name,
            name=profile.name,
            names=names,
        )
    if final:
        reports[0].warnings.extend(_final_status(store, final, reports[0].file, user))
    if left := sorted(n for k, n in held.items() if k not in used):
        message = N_("not layers of the {profile} profile, left out: {names}")
        params = (("profile", profile.name), ("names", ", ".join(left)))
        reports[0].warnings.append(Problem(path.name, None, None, None, message, params))
    return reports


_LAYER_FILES = (".csv", ".shp", ".dbf")  # a profile's layer in a folder: NAME and one of these


def _held(path: Path, folder: bool) -> dict[str, str]:
    """The layers an export holds, by their names in lower case (as ArcGIS compares them).

    A folder's layers are its files of the kinds a layer can be (``_LAYER_FILES``).
    """
    if folder:
        names = [p.name for p in path.iterdir() if p.suffix.lower() in _LAYER_FILES]
    else:
        names = list(pyogrio.list_layers(path)[:, 0])
    return {n.lower(): n for n in names}


def _final_status(store: Store, final: dict[str, str], file: str, user) -> list[Problem]:
    """Give new areas the status their file says, where the workflow allows; else warn."""
    stored = store.read("hazard_areas", ids=list(final)).set_index("id")["status"]
    warnings = []
    for rid, status in final.items():
        if rid not in stored.index or stored[rid] == status:
            continue
        try:
            store.update("hazard_areas", rid, {"status": status}, user=user)
        except RemnantError as exc:
            warnings.append(
                Problem(
                    file,
                    None,
                    "status",
                    status,
                    N_(
                        "hazard area {area} is {status} after its activities; the file's "
                        "{given} was not applied ({reason})"
                    ),
                    (
                        ("area", rid),
                        ("status", stored[rid]),
                        ("given", repr(status)),
                        ("reason", exc),
                    ),
                )
            )
    return warnings


def export_profile(
    store: Store, folder: str | Path, profile, *, fmt: str = "gdb", overwrite: bool = False
) -> dict[str, int]:
    """Write the store's records in ``profile``'s layout into ``folder``; return the counts.

    ``fmt`` is ``gdb`` (one File Geodatabase, ``PROFILE.gdb``, a layer per record kind),
    ``xlsx`` (one workbook, a sheet per kind) or ``csv`` (a ``NAME.csv`` per kind); points
    come as ``lon``/``lat`` and shapes as ``wkt`` where the format has no geometry.
    """
    import shutil

    from remnant.profiles import Profile

    if not isinstance(profile, Profile):
        profile = Profile.load(profile)
    if fmt not in PROFILE_FORMATS:
        raise InputError(
            N_("{option} is one of {formats}"),
            option="format",
            formats=", ".join(PROFILE_FORMATS),
        )
    folder = Path(folder)
    frames = {lp.layer: table_for_export(store, lp.layer) for lp in profile.layers}
    ids = {lp.layer: profile.their_ids(lp, frames[lp.layer]) for lp in profile.layers}
    single = folder / f"{profile.name}.{fmt}"
    targets = [single] if fmt != "csv" else [folder / f"{lp.name}.csv" for lp in profile.layers]
    if overwrite:
        for target in targets:
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
    refuse_existing(*targets, overwrite=False)
    counts = {}
    with written_beside(single) as tmp:
        for lp in profile.layers:
            ent = records.entity(lp.layer)
            theirs = profile.write(lp, frames[lp.layer], ids)
            counts[lp.name] = len(theirs)
            if fmt == "gdb":  # typed fields, as ArcGIS Pro before 3.2 reads them
                for f in ent.fields:
                    their = next((t for t, o in lp.fields.items() if o == f.name), None)
                    if their not in theirs:
                        continue
                    if f.kind == "date":
                        theirs[their] = pd.to_datetime(theirs[their])
                    elif f.kind in ("integer", "boolean"):
                        theirs[their] = theirs[their].astype("Int32")
                kwargs = {"geometry_type": None} if ent.geometry is None else {}
                pyogrio.write_dataframe(
                    theirs, tmp / single.name, layer=lp.name, driver="OpenFileGDB", **kwargs
                )
                continue
            flat = _flat_geometry(theirs, ent)
            if fmt == "csv":
                flat.to_csv(tmp / f"{lp.name}.csv", index=False)
            else:
                pyogrio.write_dataframe(flat, tmp / single.name, layer=lp.name, driver="XLSX")
    return counts


def _flat_geometry(frame, ent: records.Entity) -> pd.DataFrame:
    """Points as lon/lat columns and other shapes as wkt, for formats without geometry."""
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    if ent.geometry == "POINT":
        out["lon"] = frame.geometry.x.to_numpy()
        out["lat"] = frame.geometry.y.to_numpy()
    elif ent.geometry:
        out["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=17)
    return out
