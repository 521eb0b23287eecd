import json
import subprocess
import sys

import pytest

from helpers import strike_rows, write_csv
from remnant.cli import cli, main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def all_commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("command", [(), *all_commands()], ids=lambda c: " ".join(c) or "remnant")
def test_help_on_every_command(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "Usage: remnant" in out


def test_init_import_export_history(capsys, tmp_path):
    store = str(tmp_path / "s.gpkg")
    assert run(capsys, "init", store)[0] == 0
    csv = write_csv(tmp_path / "strikes.csv", strike_rows(3))
    code, out, err = run(capsys, "import", store, str(csv), "--layer", "strikes", "--user", "ana")
    assert code == 0, err
    assert "3 rows read; 3 inserted, 0 updated, 0 unchanged" in out
    code, out, _ = run(capsys, "info", store)
    assert code == 0
    assert "strikes" in out
    code, out, _ = run(capsys, "export", store, str(tmp_path / "out.geojson"), "--layer", "strikes")
    assert (code, out.strip()) == (0, f"wrote 3 strikes to {tmp_path / 'out.geojson'}")
    code, out, err = run(
        capsys, "export", store, str(tmp_path / "out.geojson"), "--layer", "strikes"
    )
    assert code == 1
    assert (
        err.strip() == f"error: {tmp_path / 'out.geojson'}: exists; pass --overwrite to replace it"
    )
    code, out, _ = run(capsys, "history", store, "S-1", "--json")
    entry = json.loads(out.splitlines()[0])
    assert (entry["action"], entry["user"], entry["record_id"]) == ("insert", "ana", "S-1")
    code, out, _ = run(capsys, "history", store, "S-1")
    assert "insert" in out
    assert "ana" in out


def test_bad_import_lists_every_row_and_exits_1(capsys, tmp_path):
    store = str(tmp_path / "s.gpkg")
    run(capsys, "init", store)
    rows = strike_rows(3)
    rows.loc[0, "date"] = "2999-01-01"
    csv = write_csv(tmp_path / "bad.csv", rows)
    code, _out, err = run(capsys, "import", store, str(csv), "-l", "strikes")
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0] == "error: bad.csv: 1 bad row(s), 1 problem(s); nothing was written"
    assert lines[1] == "bad.csv, row 2, field 'date': date is in the future (value '2999-01-01')"
    assert "Traceback" not in err


def test_user_errors_exit_1_with_one_line_and_usage_errors_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "info", str(tmp_path / "missing.gpkg"))
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "does not exist; create it first (create_store, remnant init)" in err
    code, _, err = run(capsys, "import", "x.gpkg", "f.csv", "--layer", "bombs")
    assert code == 2
    assert "Invalid value for '--layer'" in err
    code, _, err = run(capsys, "no-such-command")
    assert code == 2
    code, _, err = run(capsys, "init", str(tmp_path / "store.txt"))
    assert (code, err.strip()) == (
        1,
        f"error: {tmp_path / 'store.txt'}: a store is a GeoPackage file ending in .gpkg "
        "or a postgresql:// URL",
    )


def test_catalogue_commands(capsys):
    code, out, _ = run(capsys, "catalogue", "list")
    assert code == 0
    assert "m77_m26" in out
    assert "644" in out
    code, out, _ = run(capsys, "catalogue", "show", "m77_m26")
    assert code == 0
    assert "GAO/NSIAD-93-212" in out
    code, _, err = run(capsys, "catalogue", "show", "nope")
    assert code == 1
    assert "no munition 'nope' in the catalogue" in err


def test_console_script_in_a_real_process(tmp_path):
    exe = [sys.executable, "-m", "remnant", "-q", "init", str(tmp_path / "a.gpkg")]
    done = subprocess.run(exe, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(exe, capture_output=True, text=True)
    assert again.returncode == 1
    assert again.stderr.strip().endswith("exists; pass --overwrite to replace it")
    assert "Traceback" not in again.stderr


def test_verbose_logs_and_quiet_silences(capsys, tmp_path):
    store = str(tmp_path / "s.gpkg")
    run(capsys, "init", store)
    csv = write_csv(tmp_path / "s.csv", strike_rows(1))
    code, _, err = run(capsys, "-v", "import", store, str(csv), "-l", "strikes")
    assert code == 0
    assert "INFO remnant.io: s.csv: 1 rows read" in err


def test_hazard_command_writes_map_png_and_area_risk(capsys, tmp_path):
    from remnant.demo import build_demo

    build_demo(tmp_path, seed=2, maps=False)
    store = str(tmp_path / "remnant.gpkg")
    out, png = tmp_path / "h.tif", tmp_path / "h.png"
    code, stdout, err = run(
        capsys,
        "hazard",
        store,
        "--cell",
        "50",
        "--out",
        str(out),
        "--png",
        str(png),
        "--samples",
        "30",
    )
    assert code == 0, err
    assert "dud rates used" in stdout
    assert "field posterior (remnant dudrate)" in stdout
    assert out.stat().st_size > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, err = run(capsys, "hazard", store, "--cell", "50", "--out", str(out))
    assert code == 1
    assert "exists; pass --overwrite" in err
    code, _, _ = run(
        capsys, "export", store, str(tmp_path / "risk.csv"), "--layer", "hazard_area_risk"
    )
    assert code == 0
    import pandas as pd

    risk = pd.read_csv(tmp_path / "risk.csv")
    from remnant.store import open_store

    assert len(risk) == open_store(store).counts()["hazard_areas"]
    assert (risk["p05"] <= risk["p50"]).all()
    assert (risk["p50"] <= risk["p95"]).all()
    assert ((risk["p_any"] >= 0) & (risk["p_any"] <= 1)).all()
    assert set(risk["samples"]) == {30}
    code, _, err = run(capsys, "hazard", store, "--cell", "0", "--out", str(tmp_path / "x.tif"))
    assert (code, "cell size must be a positive number of metres" in err) == (1, True)


def test_dudrate_command_writes_table_and_forest_plot(capsys, tmp_path):
    from remnant.demo import build_demo

    build_demo(tmp_path, seed=4, maps=False)
    store = str(tmp_path / "remnant.gpkg")
    csv, png = tmp_path / "rates.csv", tmp_path / "forest.png"
    code, out, err = run(capsys, "dudrate", store, "--csv", str(csv), "--png", str(png))
    assert code == 0, err
    assert "field dud rates" in out
    import pandas as pd

    table = pd.read_csv(csv)
    assert list(table.columns[:7]) == ["type", "strikes", "fired", "found", "mean", "lo90", "hi90"]
    assert ((table["lo90"] <= table["mean"]) & (table["mean"] <= table["hi90"])).all()
    assert png.read_bytes()[:4] == b"\x89PNG"
    code, _, err = run(capsys, "dudrate", store, "--csv", str(csv))
    assert (code, "exists; pass --overwrite" in err) == (1, True)


def test_qa_plan_command(capsys, tmp_path):
    code, out, err = run(
        capsys,
        "qa-plan",
        "--lot-area",
        "10000",
        "--sample-unit",
        "10",
        "--tolerated",
        "9",
        "--png",
        str(tmp_path / "oc.png"),
    )
    assert code == 0, err
    assert "258" in out
    assert "299" in out
    assert (tmp_path / "oc.png").read_bytes()[:4] == b"\x89PNG"
    from remnant.demo import build_demo

    build_demo(tmp_path / "demo", seed=3, maps=False)
    store = str(tmp_path / "demo" / "remnant.gpkg")
    from remnant.store import open_store

    acts = open_store(store).read("activities")
    lot = acts.loc[acts["type"] == "clearance", "id"].iloc[0]
    code, out, err = run(
        capsys,
        "qa-plan",
        "--lot-area",
        "10000",
        "--sample-unit",
        "10",
        "--store",
        store,
        "--lot",
        lot,
        "--cell",
        "50",
    )
    assert code == 0, err
    assert f"lot {lot}: the hazard model expects" in out.replace("\n", " ")
    code, _, err = run(
        capsys, "qa-plan", "--lot-area", "10000", "--sample-unit", "10", "--lot", lot
    )
    assert (code, "--store and --lot go together" in err) == (1, True)


def test_release_stats_command(capsys, tmp_path):
    from remnant.demo import build_demo

    build_demo(tmp_path, seed=5, maps=False)
    store = str(tmp_path / "remnant.gpkg")
    code, out, err = run(
        capsys, "release-stats", store, "--by", "method", "--csv", str(tmp_path / "r.csv")
    )
    assert code == 0, err
    assert "land released by method" in out
    assert "productivity by method" in out
    import pandas as pd

    table = pd.read_csv(tmp_path / "r.csv")
    sums = table[["cancelled_m2", "reduced_m2", "cleared_m2"]].sum(axis=1)
    assert (sums - table["released_m2"]).abs().max() < 1e-6


def test_tables_fit_an_80_column_terminal_without_cutting_values(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, "catalogue", "list")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out  # values fold onto more lines rather than being cut
    from remnant.catalogue import default_catalogue

    assert all(key in out for key in default_catalogue())  # identifiers stay whole


def test_qgis_writes_a_project_beside_the_store(store, tmp_path, capsys):
    import zipfile

    path = str(store.backend.path)
    out = store.backend.path.parent / "programme.qgz"
    assert main(["qgis", path, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        (name,) = archive.namelist()
        text = archive.read(name).decode()
    assert name == "programme.qgs"
    assert f"./{store.backend.path.name}|layername=hazard_areas" in text  # relative
    assert main(["qgis", path, "--out", str(out)]) == 1  # never replaced silently
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["qgis", "postgresql://x/y", "--out", str(tmp_path / "p.qgz")]) == 1
    assert "existing GeoPackage store" in capsys.readouterr().err
