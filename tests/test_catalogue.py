import pytest
from scipy import stats

from remnant.catalogue import default_catalogue, lookup, parse_catalogue
from remnant.errors import InputError, NotFoundError

FAMILIES = {
    "dpicm_m483a1",
    "dpicm_m864",
    "m77_m26",
    "m85_m395",
    "m85_m396",
    "blu97_cbu87",
    "bl755",
    "blu63_cbu58",
    "blu26",
    "9n210_9m27k",
    "unknown",
}


def test_every_family_of_the_domain_notes_is_there():
    assert set(default_catalogue()) == FAMILIES


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_beta_prior_has_the_stated_percentiles(key):
    m = default_catalogue()[key]
    a, b = m.beta
    assert stats.beta.ppf(0.05, a, b) == pytest.approx(m.prior_q05, abs=5e-4)
    assert stats.beta.ppf(0.95, a, b) == pytest.approx(m.prior_q95, abs=5e-4)


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_every_figure_cites_a_source(key):
    m = default_catalogue()[key]
    assert m.sources.get("submunitions_per_carrier")
    assert m.sources.get("footprint")
    if m.test_rate:
        assert m.sources.get("test_rate")
    if m.field_rate:
        assert m.sources.get("field_rate")
    assert m.prior_basis
    # The prior spans the published figures it was built from (rules 1-3 in the file).
    published = [v for r in (m.test_rate, m.field_rate) if r for v in r]
    if published:
        assert m.prior_q05 <= min(published) + 1e-9 or key == "9n210_9m27k"
        assert m.prior_q95 >= max(published) - 1e-9


def test_lookup_names_the_known_keys():
    assert lookup(default_catalogue(), "bl755").submunitions_per_carrier == 147
    with pytest.raises(
        NotFoundError, match="no munition 'xyz' in the catalogue; known: 9n210_9m27k"
    ):
        lookup(default_catalogue(), "xyz")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[munitions.x\n", "not valid TOML"),
        ("a = 1", r"no \[munitions.KEY\] tables found"),
        ("[munitions.x]\nbeta = [1, 2]\n", "entry 'x' has no 'submunitions_per_carrier'"),
        (
            "[munitions.x]\nsubmunitions_per_carrier = -4\nbeta=[1,2]\n",
            r"entry 'x': submunitions_per_carrier = -4 is out of range",
        ),
        (
            "[munitions.x]\nsubmunitions_per_carrier = 4\n"
            "footprint_length_m = 'wide'\nbeta=[1,2]\n",
            "entry 'x': footprint_length_m must be float, got 'wide'",
        ),
    ],
)
def test_bad_catalogue_files_are_named(text, message):
    with pytest.raises(InputError, match=message):
        parse_catalogue(text, file="mine.toml")


OVERRIDE = """
[munitions.m77_m26]
beta = [3.0, 40.0]
prior_q05 = 0.02
prior_q95 = 0.13
[munitions.m77_m26.sources]
prior = "Programme clearance data 2024"

[munitions.zz_local]
name = "Local type"
submunitions_per_carrier = 40
footprint_length_m = 120
footprint_width_m = 80
beta = [2, 18]
prior_q05 = 0.02
prior_q95 = 0.25
prior_basis = "judgement"
[munitions.zz_local.sources]
submunitions_per_carrier = "EOD report 12"
footprint = "EOD report 12"
prior = "judgement"
"""


def test_store_entries_add_and_override_with_audit(store):
    entries = parse_catalogue(
        OVERRIDE, file="mine.toml", provenance="mine.toml", base=store.catalogue()
    )
    summary = store.import_catalogue(entries, user="im-officer")
    assert (summary.inserted, summary.updated) == (["m77_m26", "zz_local"], [])
    cat = store.catalogue()
    assert cat["m77_m26"].beta == (3.0, 40.0)
    assert cat["m77_m26"].submunitions_per_carrier == 644  # kept from the default
    assert cat["m77_m26"].sources["prior"] == "Programme clearance data 2024"
    assert cat["m77_m26"].sources["footprint"].startswith("Human Rights Watch 2006")
    assert cat["zz_local"].provenance == "mine.toml"
    assert default_catalogue()["m77_m26"].beta == (2.744, 21.768)
    assert "zz_local" in store.munition_keys()
    again = store.import_catalogue(entries)
    assert again.unchanged == ["m77_m26", "zz_local"]
    history = store.history("m77_m26")
    assert list(history["action"]) == ["insert"]
    assert list(history["user"]) == ["im-officer"]


def test_an_override_must_cite_its_source():
    text = "[munitions.m77_m26]\nsubmunitions_per_carrier = 600\n"
    with pytest.raises(InputError, match=r"sets submunitions_per_carrier without a source"):
        parse_catalogue(text, file="mine.toml", base=default_catalogue())


def test_survey_figures_have_sources_and_ranges():
    from remnant.catalogue import default_survey, parse_survey

    survey = default_survey()
    assert set(survey.detection) >= {"clearance", "TS", "NTS", "EOD_spot"}
    assert survey.detection["clearance"] > survey.detection["TS"] > survey.detection["NTS"]
    assert all(survey.sources.values())
    with pytest.raises(
        InputError, match=r"\[detection.TS\] probability must be a number from 0 to 1"
    ):
        parse_survey("[detection.TS]\nprobability = 1.5\n")
