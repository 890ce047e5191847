"""Agreement statistics against published worked examples and the `krippendorff` package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import agree
from qualcode.agree import Estimate, Ratings

N = None

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": coders in rows.
BINARY = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
NOMINAL = [list("aabbdcccedda"), list("babbbccceddd")]
FOUR_CODERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
# The example of the Wikipedia article "Krippendorff's alpha".
WIKIPEDIA_ALPHA = [
    [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
    [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
    [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
]
# Fleiss (1971): 30 patients, 6 psychiatrists, 5 diagnoses (one row per patient).
DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]
# Fleiss' kappa example of the Wikipedia article: 10 subjects, 14 raters, counts per category.
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]
# Krippendorff (1995, p. 57), example A digitised: Bertha and Bill over 24 positions.
BERTHA = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
BILL = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def value(estimate: Estimate) -> float:
    assert estimate.value is not None, estimate.reason
    return estimate.value


# -- Krippendorff's alpha -----------------------------------------------------------------

def test_binary_example_of_krippendorff_2011() -> None:
    ratings = Ratings.from_coders(BINARY)
    alpha = agree.krippendorff_alpha(ratings)
    assert round(value(alpha), 3) == 0.095
    assert alpha.expected is not None
    assert round(1 - alpha.expected, 3) == 0.558  # expected agreement, as printed
    assert value(agree.percent_agreement(ratings)) == pytest.approx(0.60)
    assert round(value(agree.cohen_kappa(ratings)), 4) == 0.0909


def test_atlas_ti_example_has_the_same_alpha() -> None:
    rows = [[int(c) for c in "1100000000"], [int(c) for c in "0110010100"]]
    ratings = Ratings.from_coders(rows)
    assert value(agree.percent_agreement(ratings)) == pytest.approx(0.60)
    assert round(value(agree.krippendorff_alpha(ratings)), 3) == 0.095


def test_nominal_example_of_krippendorff_2011() -> None:
    assert round(value(agree.krippendorff_alpha(Ratings.from_coders(NOMINAL))), 3) == 0.692


def test_four_coders_with_missing_values() -> None:
    alpha = agree.krippendorff_alpha(Ratings.from_coders(FOUR_CODERS))
    assert round(value(alpha), 3) == 0.743
    assert alpha.units == 11  # unit 12 has one value only and cannot be paired
    assert value(alpha) == pytest.approx(0.743421052631579)


def test_wikipedia_alpha_example() -> None:
    assert round(value(agree.krippendorff_alpha(Ratings.from_coders(WIKIPEDIA_ALPHA))), 3) == 0.691


@pytest.mark.parametrize("rows", [BINARY, NOMINAL, FOUR_CODERS, WIKIPEDIA_ALPHA],
                         ids=["binary", "nominal", "four-coders", "wikipedia"])
def test_alpha_matches_the_krippendorff_package(rows: list[list[object]]) -> None:
    ours = value(agree.krippendorff_alpha(Ratings.from_coders(rows)))
    theirs = krippendorff.alpha(reliability_data=_array(rows), level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-12)


def _array(rows: list[list[object]]) -> np.ndarray:
    codes: dict[object, int] = {}
    return np.array([[np.nan if v is None else codes.setdefault(v, len(codes)) for v in row]
                     for row in rows], dtype=float)


values = st.one_of(st.none(), st.integers(min_value=0, max_value=3))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=4).flatmap(
    lambda m: st.lists(st.lists(values, min_size=m, max_size=m), min_size=1, max_size=25)))
def test_alpha_agrees_with_the_package_or_says_why_not(units: list[list[int | None]]) -> None:
    ours = agree.krippendorff_alpha(Ratings.from_units(units))
    rows = [list(column) for column in zip(*units, strict=True)]
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            theirs = krippendorff.alpha(reliability_data=_array(rows), level_of_measurement="nominal")
    except ValueError:
        assert ours.value is None
        assert ours.reason
        return
    if ours.value is None:  # one value everywhere: the package divides 0 by 0
        assert ours.reason
        assert math.isnan(theirs)
    else:
        assert ours.value == pytest.approx(theirs, abs=1e-9)


# -- Fleiss' kappa ------------------------------------------------------------------------

def test_fleiss_1971_diagnoses() -> None:
    ratings = Ratings.from_units(DIAGNOSES)
    kappa = value(agree.fleiss_kappa(ratings))
    assert round(kappa, 3) == 0.430
    assert kappa == pytest.approx(0.4302445, abs=5e-8)  # R irr::kappam.fleiss
    assert round(value(agree.krippendorff_alpha(ratings)), 4) == 0.4334


def test_fleiss_wikipedia_example() -> None:
    units = [[category for category, n in enumerate(row) for _ in range(n)]
             for row in WIKIPEDIA_FLEISS]
    assert round(value(agree.fleiss_kappa(Ratings.from_units(units))), 3) == 0.210


def test_fleiss_uses_only_units_every_coder_rated() -> None:
    ratings = Ratings.from_units([["a", "a", "a"], ["a", "b", None], ["b", "b", "b"]])
    kappa = agree.fleiss_kappa(ratings)
    assert kappa.units == 2
    assert value(kappa) == pytest.approx(1.0)


# -- Cohen's kappa ------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "printed", "digits"), [
    ([[20, 5], [10, 15]], 0.40, 2),  # Wikipedia, "Cohen's kappa"
    ([[0, 4, 1], [0, 8, 0], [0, 1, 5]], 0.4842, 4),  # SAS example (statsmodels tests)
    ([[50, 0, 0], [10, 10, 10], [20, 0, 0]], 0.27, 2),  # Brennan & Prediger 1981, p. 689
    ([[50, 0, 10], [0, 10, 10], [10, 10, 0]], 0.29, 2),  # Brennan & Prediger 1981, p. 691
], ids=["wikipedia", "sas", "brennan-prediger-1", "brennan-prediger-2"])
def test_cohen_kappa_examples(table: list[list[int]], printed: float, digits: int) -> None:
    assert round(value(agree.cohen_kappa(Ratings.from_table(table))), digits) == printed


def test_cohen_chance_term_adds_both_coders_products() -> None:
    kappa = agree.cohen_kappa(Ratings.from_table([[20, 5], [10, 15]]))
    assert kappa.observed == pytest.approx(0.30)  # 1 - p_o
    assert kappa.expected == pytest.approx(0.50)  # 1 - p_e


def test_krippendorff_1995_example_a() -> None:
    ratings = Ratings.from_coders([BERTHA, BILL])
    assert round(value(agree.cohen_kappa(ratings)), 3) == 0.385
    assert round(value(agree.fleiss_kappa(ratings)), 3) == 0.314  # Scott's pi for two coders
    assert round(value(agree.krippendorff_alpha(ratings)), 3) == 0.329


def test_nvivo_character_example() -> None:
    # 1,000 characters: 50 coded by both, 100 by A only, 50 by B only, 800 by neither
    ratings = Ratings(2, {(True, True): 50, (True, False): 100, (False, True): 50,
                          (False, False): 800})
    assert value(agree.percent_agreement(ratings)) == pytest.approx(0.85)
    assert round(value(agree.cohen_kappa(ratings)), 3) == 0.318


def test_textbook_kappa_where_qualcoder_reports_0_299() -> None:
    # each coder coded 100 of 1,000 characters, 50 of them the same
    ratings = Ratings(2, {(True, True): 50, (True, False): 50, (False, True): 50,
                          (False, False): 850})
    assert value(agree.percent_agreement(ratings)) == pytest.approx(0.90)
    assert round(value(agree.cohen_kappa(ratings)), 3) == 0.444


# -- unitizing alpha ----------------------------------------------------------------------

def test_unitizing_distances_of_krippendorff_2004() -> None:
    assert agree._distance((225, 295, True), (220, 300, True)) == 50
    assert agree._distance((370, 400, True), (355, 375, True)) == 850
    assert agree._distance((400, 450, False), (400, 420, True)) == 400


def test_unitizing_example_of_krippendorff_2004() -> None:
    c = agree.unitizing_alpha(300, [[(225, 295), (370, 400)], [(220, 300), (355, 375), (400, 420)]],
                              begin=150)
    k = agree.unitizing_alpha(300, [[(180, 240), (300, 350)], [(180, 240), (300, 350)]], begin=150)
    assert (round(c.observed or 0, 4), round(c.expected or 0, 4)) == (0.0144, 0.0532)
    assert round(value(c), 4) == 0.7286
    assert (k.observed, round(k.expected or 0, 4)) == (0.0, 0.0490)
    assert value(k) == 1.0
    # the book's 0.8591 is computed from the rounded disagreements above
    assert round(1 - 0.0144 / (0.0532 + 0.0490), 4) == 0.8591
    assert value(agree.pooled([c, k])) == pytest.approx(0.8591, abs=5e-4)


def _example_1995(stretch: int) -> dict[str, list[list[tuple[int, int]]]]:
    def unit(begin: int, length: int) -> tuple[int, int]:
        return begin * stretch, (begin + length) * stretch

    return {
        "A": [[unit(2, 8), unit(14, 6)], [unit(4, 4), unit(15, 2)]],
        "B": [[unit(0, 18)], [unit(0, 2), unit(2, 1), unit(3, 1), unit(4, 1), unit(5, 1),
                              unit(6, 3), unit(9, 1)]],
        "C": [[unit(2, 6), unit(10, 2), unit(14, 4), unit(20, 2)],
              [unit(0, 2), unit(4, 4), unit(10, 4), unit(16, 2), unit(20, 2)]],
        "D": [[unit(0, 2), unit(2, 8), unit(10, 4), unit(14, 6), unit(20, 4)],
              [unit(0, 4), unit(4, 4), unit(8, 7), unit(15, 2), unit(17, 7)]],
    }


def test_unitizing_observed_disagreement_of_krippendorff_1995() -> None:
    observed = {code: agree.unitizing_alpha(24, spans).observed
                for code, spans in _example_1995(1).items()}
    assert {code: round(v or 0, 5) for code, v in observed.items()} == {
        "A": 0.03125, "B": 2.26736, "C": 0.02778, "D": 0.38715}


def test_unitizing_alpha_of_krippendorff_1995_on_a_long_continuum() -> None:
    # published for the long-continuum limit; the 1995 expected disagreement has a small
    # error (see DKPro's tests), so the values agree to the tolerance DKPro uses, 0.02
    printed = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
    for code, spans in _example_1995(50_000).items():
        assert value(agree.unitizing_alpha(24 * 50_000, spans)) == pytest.approx(printed[code], abs=0.02)


def test_unitizing_refuses_overlapping_stretches_of_one_coder() -> None:
    with pytest.raises(ValueError, match="span 5-20 overlaps another or lies outside 0-100"):
        agree.unitizing_alpha(100, [[(0, 10), (5, 20)], []])


# -- degenerate data ----------------------------------------------------------------------

def test_a_code_nobody_used_is_undefined_with_a_reason() -> None:
    ratings = Ratings.from_coders([[False] * 5, [False] * 5])
    for estimate in (agree.cohen_kappa(ratings), agree.fleiss_kappa(ratings),
                     agree.krippendorff_alpha(ratings)):
        assert estimate.value is None
        assert estimate.reason == ("every rating is False, so chance agreement is total and the "
                                   "coefficient is undefined")
    assert value(agree.percent_agreement(ratings)) == 1.0


def test_one_coder_only() -> None:
    ratings = Ratings.from_coders([[1, 2, 1]])
    assert agree.percent_agreement(ratings).reason == "agreement needs at least two coders"
    assert agree.cohen_kappa(ratings).reason == "Cohen's kappa compares two coders, not 1"
    assert agree.fleiss_kappa(ratings).reason == "Fleiss' kappa needs at least two coders"
    assert agree.krippendorff_alpha(ratings).reason == "alpha needs at least two coders"
    assert agree.unitizing_alpha(10, [[(0, 5)]]).reason == "alpha needs at least two coders"


def test_no_units() -> None:
    ratings = Ratings(2, {})
    assert agree.percent_agreement(ratings).reason == "no unit was rated by every coder"
    assert agree.cohen_kappa(ratings).reason == "no unit was rated by both coders"
    assert agree.krippendorff_alpha(ratings).reason == "no unit was rated by two or more coders"
    assert agree.unitizing_alpha(0, [[], []]).reason == "the continuum is empty"


def test_no_pairable_units() -> None:
    ratings = Ratings.from_coders([[1, None], [None, 2]])
    assert agree.cohen_kappa(ratings).reason == "no unit was rated by both coders"
    assert agree.krippendorff_alpha(ratings).reason == "no unit was rated by two or more coders"


def test_all_units_identical() -> None:
    ratings = Ratings.from_coders([["x"] * 4, ["x"] * 4, ["x"] * 4])
    assert agree.fleiss_kappa(ratings).value is None
    assert agree.krippendorff_alpha(ratings).value is None
    assert agree.unitizing_alpha(50, [[(0, 50)], [(0, 50)], [(0, 50)]]).value == 1.0


def test_unitizing_without_any_stretch() -> None:
    estimate = agree.unitizing_alpha(100, [[], []])
    assert estimate.value is None
    assert estimate.reason == "no coder marked any stretch with this code"


def test_cohen_for_three_coders_says_so() -> None:
    ratings = Ratings.from_units([[1, 1, 2]])
    assert agree.cohen_kappa(ratings).reason == "Cohen's kappa compares two coders, not 3"


def test_ratings_check_their_width() -> None:
    with pytest.raises(ValueError, match=r"pattern \(1, 2, 3\) has 3 values for 2 coders"):
        Ratings(2, {(1, 2, 3): 1})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3), max_size=12))
def test_never_nan(units: list[list[bool | None]]) -> None:
    ratings = Ratings.from_units(units, coders=3)
    for estimate in (agree.percent_agreement(ratings), agree.fleiss_kappa(ratings),
                     agree.krippendorff_alpha(ratings)):
        assert (estimate.value is None and estimate.reason) or math.isfinite(estimate.value or 0)


# -- pooling ------------------------------------------------------------------------------

def test_pooled_kappa_is_de_vries_and_ignores_unused_codes() -> None:
    first = agree.cohen_kappa(Ratings.from_table([[20, 5], [10, 15]]))
    second = agree.cohen_kappa(Ratings.from_table([[5, 5], [0, 40]]))
    unused = agree.cohen_kappa(Ratings.from_table([[0, 0], [0, 50]]))
    p_o = ((1 - (first.observed or 0)) + (1 - (second.observed or 0))) / 2
    p_e = ((1 - (first.expected or 0)) + (1 - (second.expected or 0))) / 2
    pooled = agree.pooled([first, second, unused])
    assert value(pooled) == pytest.approx((p_o - p_e) / (1 - p_e))
    assert agree.pooled([unused]).reason == "no code has a defined value"
    assert value(agree.pooled_percent([agree.percent_agreement(Ratings.from_table([[1, 1], [0, 2]]))])) \
        == pytest.approx(0.75)
