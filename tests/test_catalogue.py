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
