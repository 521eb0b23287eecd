"""Small record factories, child-process targets and reference models shared by the tests."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from remnant.errors import StoreBusyError
from remnant.io import import_records
from remnant.store import open_store

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresCluster:
    """A throwaway PostgreSQL 15 + PostGIS cluster in a temporary folder, on loopback."""

    def __init__(self, folder: Path):
        postgis = Path("/usr/share/postgresql/15/extension/postgis.control")
        if not (PG_BIN / "initdb").exists() or not postgis.exists():
            raise RuntimeError(
                "PostgreSQL 15 with PostGIS 3 (postgresql-15-postgis-3) is needed: "
                "bash scripts/setup.sh --test installs it"
            )
        self.folder, self.data = folder, folder / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as Debian's postgres
            shutil.chown(folder, "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "remnant", "--auth=trust", "-E", "UTF8")
        self.start()
        self.url = f"postgresql://remnant@127.0.0.1:{self.port}"

    def _run(self, *args):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, args)], check=True, capture_output=True)

    def start(self):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            self.data,
            "-o",
            options,
            "-w",
            "-l",
            self.folder / "log",
            "start",
        )

    def stop(self, mode: str = "fast"):
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def admin(self, sql: str):
        import psycopg

        with psycopg.connect(f"{self.url}/postgres", autocommit=True) as conn:
            conn.execute(sql)


def strike_rows(n: int = 5, **overrides) -> pd.DataFrame:
    """Valid strike rows as a CSV would hold them (all text), lon/lat near 35.5, 33.3."""
    rows = pd.DataFrame(
        {
            "id": [f"S-{i}" for i in range(n)],
            "date": ["2023-06-01"] * n,
            "munition": ["m77_m26"] * n,
            "carriers": ["2"] * n,
            "source_class": ["eod_report"] * n,
            "accuracy_m": ["50"] * n,
            "lon": [f"{35.5 + 0.01 * i:.5f}" for i in range(n)],
            "lat": [f"{33.3 + 0.005 * i:.5f}" for i in range(n)],
        }
    )
    for key, value in overrides.items():
        rows[key] = value
    return rows


def write_csv(path, frame: pd.DataFrame):
    frame.to_csv(path, index=False)
    return path


def hazard_frame(n: int = 3) -> gpd.GeoDataFrame:
    """Valid hazard areas: small squares apart from each other."""
    return gpd.GeoDataFrame(
        {
            "id": [f"H-{i}" for i in range(n)],
            "kind": ["CHA"] * n,
            "status": ["open"] * n,
            "land_use": ["farmland"] * n,
            "notes": ["ذخائر عنقودية — بلدة"] * n,
        },
        geometry=[shapely.box(35 + 0.1 * i, 33, 35.01 + 0.1 * i, 33.01) for i in range(n)],
        crs=4326,
    )


def hold_write_lock(path, ready, release):
    """Hold the store's write lock until told to let go."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    ready.set()
    release.wait(20)
    con.execute("ROLLBACK")


def import_one_area(path, k):
    """Import one hazard area with id Pk, retrying while another writer holds the store."""
    store = open_store(path)
    frame = hazard_frame(1)
    frame["id"] = [f"P{k}"]
    frame.geometry = [shapely.box(30 + k, 30, 30.01 + k, 30.01)]
    for _ in range(10):
        try:
            import_records(store, "hazard_areas", frame, user=f"w{k}")
            return
        except StoreBusyError:
            continue
    raise SystemExit(3)


def nuts_dud_rate(lo, hi, per_carrier, searched, found, prior, *, draws=3000, tune=2000, seed=1):
    """μ's posterior draws from PyMC's NUTS on the same hierarchical model as remnant.dudrate
    (the independent reference, a test dependency), and the checks that it converged:
    effective sample size, R-hat and divergent transitions, for the caller to assert —
    with PyMC's own measure of its sampling time (tuning and draws, without building and
    compiling the model)."""
    import arviz as az
    import numpy as np
    import pymc as pm

    lo, hi = np.asarray(lo), np.asarray(hi)
    searched, found = np.asarray(searched, float), np.asarray(found)
    per_carrier = np.asarray(per_carrier, float)
    span = int((hi - lo).max()) + 1
    with pm.Model():
        mu = pm.Beta("mu", prior.alpha, prior.beta)
        log_kappa = pm.Uniform("log_kappa", 0.0, np.log(1000.0))
        kappa = pm.math.exp(log_kappa)
        p = pm.Beta("p", mu * kappa, (1 - mu) * kappa, shape=len(found))
        terms = []
        for j in range(span):
            logp = pm.logp(pm.Binomial.dist(n=(lo + j) * per_carrier, p=p * searched), found)
            terms.append(pm.math.switch(j <= hi - lo, logp, -np.inf))
        pm.Potential(
            "carriers", pm.math.logsumexp(pm.math.stack(terms), axis=0) - np.log(hi - lo + 1)
        )
        trace = pm.sample(
            draws=draws,
            tune=tune,
            chains=2,
            cores=2,
            target_accept=0.99,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    checks = {
        "ess": float(az.ess(trace, var_names=["mu"])["mu"]),
        "rhat": float(az.rhat(trace, var_names=["mu"])["mu"]),
        "divergences": int(trace.sample_stats["diverging"].values.sum()),
        "sampling_seconds": float(trace.posterior.attrs["sampling_time"]),
    }
    return trace.posterior["mu"].values.ravel(), checks


def qgis_sees(source: Path, png: Path) -> dict:
    """What Debian's PyQGIS sees opening ``source`` (a store or a project), as
    tests/pyqgis_check.py reports it; the rendered map is saved to ``png``."""
    import json

    import pytest

    python = "/usr/bin/python3"
    if subprocess.run([python, "-c", "import qgis.core"], capture_output=True).returncode:
        pytest.fail("PyQGIS is needed (Debian package python3-qgis): bash scripts/setup.sh --test")
    png.parent.mkdir(exist_ok=True)
    done = subprocess.run(
        [python, str(Path(__file__).with_name("pyqgis_check.py")), str(source), str(png)],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- translations ------------------------------------------------------------------------------

REPO = Path(__file__).parent.parent


def marked_messages() -> set[str]:
    """Every message the code marks, found as ``pybabel extract -F babel.cfg`` finds it."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (REPO / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(
        REPO / "src" / "remnant",
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "N_": None},
    )
    return {message for _file, _line, message, _comments, _context in found}


def write_pseudo_catalogue(folder: Path, lang: str = "de") -> Path:
    """A catalogue for ``lang`` in ``folder`` that wraps every marked message in ⟦ ⟧."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    where = folder / lang / "LC_MESSAGES"
    where.mkdir(parents=True)
    pseudo = Catalog(locale=lang, domain="remnant")
    for message in marked_messages():
        pseudo.add(message, f"⟦{message}⟧")
    with (where / "remnant.po").open("wb") as f:
        write_po(f, pseudo)
    return folder


def words(text: str) -> set[str]:
    """The words of ``text``: runs of two letters or more."""
    import re

    return set(re.findall(r"[^\W\d_]{2,}", text))


def unmarked(text: str, store) -> list[str]:
    """Words of ``text`` (shown in the pseudo-language) that no marked message explains.

    What may stand outside the brackets: the records' own words (ids, names, users), the
    enumerations' and fields' labels (the pseudo-language has none: English ones), the
    CLDR's unit names, the sources named in monitor.toml, hexadecimal digests.
    """
    import re
    from importlib import resources

    import remnant
    from remnant.labels import load
    from remnant.translate import language, unit_name

    bracketed = re.compile(r"⟦[^⟦⟧]*⟧")
    while bracketed.search(text):
        text = bracketed.sub(" ", text)
    data = {"remnant"} | words(str(store.backend)) | words(remnant.__version__)
    for layer in store.counts():
        frame = store.read(layer)
        for column in frame.columns:
            if frame[column].dtype == object:
                data |= words(" ".join(str(v) for v in frame[column].dropna()))
    for part in ("choices", "fields"):
        data |= words(" ".join(str(g) for g in load()["en"][part].values()))
    data |= words(resources.files("remnant.report").joinpath("monitor.toml").read_text())
    data |= words(" ".join(str(u) for u in store.users()["name"]))
    data |= words(" ".join(str(u) for u in store.admin_units()["name"]))
    history = store.history_tail()
    data |= words(str(history["user"])) if history is not None else set()
    with language("de"):
        data |= words(f"{unit_name('ha')} {unit_name('km2')} {unit_name('ha', short=True)}")
    shown = {w for w in words(text) if not re.fullmatch(r"[0-9a-f]+", w)}
    return sorted(shown - data)
