"""Attachments: files kept with records, checked by content, byte for byte, on both backends,
through the library, the command line and the folder an export writes."""

from __future__ import annotations

import hashlib
import io

import geopandas as gpd
import pytest
import shapely
from PIL import Image

from remnant import cli
from remnant.attachments import Rules
from remnant.errors import InputError, NotFoundError
from remnant.store import attachments


def png(width=64, height=48, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((320, 240), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, "GIF")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# What a hostile or careless user offers, and the start of what every door answers.
HOSTILE = [
    ("empty.png", b"", "empty.png: the file is empty"),
    ("notes.png", b"just some text", "notes.png: not a JPEG, PNG, TIFF or PDF file"),
    ("photo.pdf", png(), "photo.pdf: the file is image/png, so its name must end .png"),
    ("cut.png", png()[:60], "cut.png: a damaged PNG image"),
    ("cut.pdf", PDF[:40], "cut.pdf: a PDF that does not end as one does"),
    ("../../etc/passwd.png", png(), "'../../etc/passwd.png': give a file name without a folder"),
    ("C:\\x\\a.png", png(), "'C:\\\\x\\\\a.png': give a file name without a folder"),
    ("bell\x07.png", png(), "'bell\\x07.png': a file name of at most 200 printable"),
    ("page.gif", gif(), "page.gif: a GIF image; take a JPEG, PNG or TIFF"),
]


def with_area(store):
    """``store`` with one confirmed area, H1, written."""
    store.write(
        "hazard_areas",
        gpd.GeoDataFrame(
            {"id": ["H1"], "kind": ["CHA"], "status": ["open"]},
            geometry=[shapely.box(106.0, 16.5, 106.002, 16.502)],
            crs=4326,
        ),
    )
    return store


@pytest.fixture
def area(any_store):
    """A store of each backend holding one confirmed area, H1."""
    return with_area(any_store)


def test_files_come_back_byte_for_byte_and_once(area):
    photo, plan, certificate = jpeg(), png(), PDF
    ids = [
        attachments.add(area, "hazard_areas", "H1", name, data, user="surveyor", kind=kind)
        for name, data, kind in [
            ("P1010001.JPG", photo, "photo"),
            ("sketch.png", plan, "sketch_map"),
            ("completion.pdf", certificate, "certificate"),
        ]
    ]
    again = attachments.add(area, "hazard_areas", "H1", "copy.jpg", photo, user="surveyor")
    assert again == ids[0]  # the same file with the same record: nothing added
    kept = attachments.listing(area, "hazard_areas", "H1")
    assert kept["id"].tolist() == ids
    assert kept["media_type"].tolist() == ["image/jpeg", "image/png", "application/pdf"]
    for att_id, data in zip(ids, [photo, plan, certificate], strict=True):
        meta, back = attachments.read(area, att_id)
        assert back == data
        assert (meta["size"], meta["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    history = area.history("H1")
    assert history["action"].tolist().count("attach") == 3
    assert hashlib.sha256(photo).hexdigest() in history["after"].iloc[-3]
    gone = attachments.remove(area, ids[1], user="admin")
    assert gone["name"] == "sketch.png"
    assert area.history("H1")["action"].iloc[-1] == "detach"
    with pytest.raises(NotFoundError):
        attachments.read(area, ids[1])


@pytest.mark.parametrize(("name", "data", "message"), HOSTILE)
def test_hostile_files_are_refused_with_one_clear_line(store, name, data, message):
    with pytest.raises(InputError) as refused:
        attachments.add(with_area(store), "hazard_areas", "H1", name, data, user="x")
    assert str(refused.value).startswith(message), str(refused.value)
    assert attachments.listing(store).empty


def test_size_type_kind_and_record_are_checked(store, tmp_path):
    from remnant.attachments import inspect

    small = Rules(max_bytes=200, types={"image/png": (".png",)}, kinds=("photo",))
    with pytest.raises(InputError, match=r"big.png: 300 bytes, over the limit of 200"):
        inspect("big.png", b"\0" * 300, small)
    with pytest.raises(InputError, match="files of type application/pdf are not taken"):
        inspect("c.pdf", PDF, small)
    with pytest.raises(NotFoundError, match="hazard_areas/H9: no such record"):
        attachments.add(store, "hazard_areas", "H9", "a.png", png(), user="x")
    with pytest.raises(InputError, match="kind 'selfie'"):
        attachments.add(store, "hazard_areas", "H9", "a.png", png(), user="x", kind="selfie")


def test_the_command_line_and_an_exported_folder_round_trip(area, tmp_path, capsys):
    if area.backend.name != "geopackage":
        pytest.skip("one backend is enough for the command line; the library ran on both")
    path = str(area.backend.path)
    (tmp_path / "site.png").write_bytes(png())
    (tmp_path / "bad.png").write_bytes(b"not an image")
    args = ["attach", "add", path, "hazard_areas", "H1", str(tmp_path / "site.png")]
    assert cli.main([*args, "--kind", "photo", "--user", "surveyor"]) == 0
    assert "with hazard_areas/H1" in capsys.readouterr().out
    (tmp_path / "good.png").write_bytes(png(9, 9))
    bad = ["attach", "add", path, "hazard_areas", "H1", str(tmp_path / "good.png")]
    assert cli.main([*bad, str(tmp_path / "bad.png")]) != 0
    assert "bad.png: not a JPEG, PNG, TIFF or PDF file" in capsys.readouterr().err
    assert len(attachments.listing(area)) == 1  # the good file of a refused command is not kept
    for name, data, message in HOSTILE:  # the command line's verdict is the library's
        if "/" in name or "\\" in name or "\x07" in name:
            continue  # a path on the command line cannot carry a folder in a file's name
        (tmp_path / "hostile").mkdir(exist_ok=True)
        (tmp_path / "hostile" / name).write_bytes(data)
        args = ["attach", "add", path, "hazard_areas", "H1", str(tmp_path / "hostile" / name)]
        assert cli.main(args) != 0
        assert message in capsys.readouterr().err, name
    assert cli.main(["export", path, str(tmp_path / "areas.gpkg"), "--layer", "hazard_areas"]) == 0
    folder = tmp_path / "areas_attachments"  # beside the records
    assert f"wrote 1 attachment(s) to {folder}" in capsys.readouterr().out
    assert (folder / "hazard_areas" / "H1" / "site.png").read_bytes() == png()
    assert "attachments.csv" in {p.name for p in folder.iterdir()}
    other = tmp_path / "other.gpkg"
    assert cli.main(["init", str(other)]) == 0
    assert cli.main(["import", str(other), str(tmp_path / "areas.gpkg"), "-l", "hazard_areas"]) == 0
    capsys.readouterr()
    assert cli.main(["attach", "import", str(other), str(folder)]) == 0
    assert "1 attachment(s) added, 0 already kept" in capsys.readouterr().out
    assert cli.main(["attach", "import", str(other), str(folder)]) == 0
    assert "0 attachment(s) added, 1 already kept" in capsys.readouterr().out
    (folder / "hazard_areas" / "H1" / "site.png").write_bytes(png(colour=(0, 0, 0)))
    assert cli.main(["attach", "import", str(other), str(folder)]) != 0
    assert "not the file exported (its SHA-256 differs)" in capsys.readouterr().err
    att_id = attachments.listing(area)["id"].iloc[0]
    out = tmp_path / "back.png"
    assert cli.main(["attach", "get", path, att_id, "--out", str(out)]) == 0
    assert out.read_bytes() == png()


def test_an_editors_attachment_waits_for_an_admin(area):
    att_id = attachments.add(area, "hazard_areas", "H1", "a.png", png(), user="ed", pending=True)
    assert attachments.listing(area).empty  # not kept, listed or exported until approved
    pending = area.reviews("pending")
    assert pending[["layer", "record_id"]].values.tolist() == [["attachments", att_id]]
    area.decide("attachments", att_id, True, by="admin")
    assert attachments.listing(area)["id"].tolist() == [att_id]
    assert area.history("H1")[["user", "action"]].values.tolist()[-1] == ["ed", "attach"]
    other = attachments.add(area, "hazard_areas", "H1", "b.png", png(8, 8), user="ed", pending=True)
    area.decide("attachments", other, False, by="admin")
    assert attachments.listing(area)["id"].tolist() == [att_id]
    with pytest.raises(NotFoundError):
        attachments.read(area, other)


def test_verify_finds_a_swapped_file_and_files_of_deleted_records(store):
    from remnant.store.verify import verify

    with_area(store)
    att_id = attachments.add(store, "hazard_areas", "H1", "a.png", png(), user="x")
    assert not [f for f in verify(store) if f.severity == "error"]
    other = png(colour=(0, 0, 0))
    with store.backend.engine.begin() as conn:  # the bytes swapped behind remnant's back
        conn.exec_driver_sql("UPDATE attachments SET content = ? WHERE id = ?", (other, att_id))
    assert f"error: attachment {att_id}: its bytes are not those kept" in map(str, verify(store))
    sha = hashlib.sha256(other).hexdigest()
    with store.backend.engine.begin() as conn:  # … and its hash with them
        conn.exec_driver_sql("UPDATE attachments SET sha256 = ? WHERE id = ?", (sha, att_id))
    found = list(map(str, verify(store)))
    assert f"error: attachment {att_id} is not the file its audit entry names" in found
    with store.backend.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE attachments SET content = ?, sha256 = ? WHERE id = ?",
            (png(), hashlib.sha256(png()).hexdigest(), att_id),
        )
    store.delete("hazard_areas", "H1", user="admin")
    found = list(map(str, verify(store)))
    assert f"notice: 1 attachment(s) of deleted records: {att_id} (hazard_areas/H1)" in found
    assert not [f for f in found if f.startswith("error")]


def test_a_folder_with_one_changed_file_adds_none(tmp_path):
    from remnant.store import create_store

    first = with_area(create_store(tmp_path / "a.gpkg"))
    attachments.add(first, "hazard_areas", "H1", "a.png", png(), user="x")
    attachments.add(first, "hazard_areas", "H1", "b.png", png(8, 8), user="x")
    assert attachments.export_folder(first, tmp_path / "out") == 2
    (tmp_path / "out" / "hazard_areas" / "H1" / "b.png").write_bytes(png(7, 7))
    second = with_area(create_store(tmp_path / "b.gpkg"))
    with pytest.raises(InputError, match=r"b\.png: not the file exported"):
        attachments.import_folder(second, tmp_path / "out", user="x")
    assert attachments.listing(second).empty  # a.png, checked first and good, is not kept
