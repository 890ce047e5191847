"""Cue matching and evidence scores: lemmas, patterns, rarity, specificity, negation."""

from __future__ import annotations

from qualcode import nlp
from qualcode.assist.cues import CueScore, rarity, score_units
from qualcode.models import Code

CODES = (
    Code("challenge.copyright", "Copyright", cues=("copyright", "legal uncertainty")),
    Code("domain.models", "Models", cues=("model", "coding")),
    Code("challenge.secrecy", "Secrecy", cues=("trade secret",),
         patterns=([{"LEMMA": "keep"}, {"OP": "?"}, {"LOWER": "secret"}],)),
)


def scores(*texts: str) -> list[dict[str, CueScore]]:
    analysed = list(nlp.analyse(texts, nlp.cue_matcher(CODES)))
    return score_units([0] * len(texts), analysed)


def score(text: str, code: str, *others: str) -> float:
    found = scores(text, *others)[0].get(code)
    return found.score if found is not None else 0.0


def test_lemmas_match_inflected_and_capitalised_words() -> None:
    found = scores("Models were everywhere.")[0]
    assert found["domain.models"].evidence[0].words == "Models"


def test_a_cue_written_as_a_verb_form_matches_only_as_written() -> None:
    # "coding" would otherwise match every "code" through its lemma
    assert "domain.models" not in scores("We wrote the code.")[0]
    assert "domain.models" in scores("The coding was hard.")[0]


def test_a_pattern_does_not_run_across_the_end_of_a_sentence() -> None:
    assert "challenge.secrecy" in scores("They keep it secret.")[0]
    assert "challenge.secrecy" not in scores("They keep. Secret things happen.")[0]


def test_negation_and_hedges_lower_the_score() -> None:
    plain = score("We had copyright problems.", "challenge.copyright")
    never = score("We never had copyright problems.", "challenge.copyright")
    denied = score("Copyright was not really an issue for us.", "challenge.copyright")
    without = score("We trained without copyright trouble.", "challenge.copyright")
    hedged = score("Maybe copyright mattered a bit.", "challenge.copyright")
    assert never < hedged < plain
    assert denied < plain
    assert without < plain
    evidence = scores("We never had copyright problems.")[0]["challenge.copyright"].evidence[0]
    assert evidence.scope == "negated by never"
    assert evidence.describe() == '"copyright" (cue copyright, 0.04, negated by never)'


def test_a_negation_in_another_clause_does_not_count() -> None:
    assert score("It was not easy, but copyright was the problem.", "challenge.copyright") == \
        score("It was easy, but copyright was the problem.", "challenge.copyright")


def test_several_distinct_cues_score_higher_than_one() -> None:
    one = score("Copyright worried us.", "challenge.copyright")
    two = score("Copyright and legal uncertainty worried us.", "challenge.copyright")
    assert two > one


def test_multi_word_cues_score_higher_than_single_words() -> None:
    single = score("A copyright question.", "challenge.copyright")
    multi = score("A legal uncertainty.", "challenge.copyright")
    assert multi > single


def test_rare_cues_score_higher_than_common_ones() -> None:
    corpus = ["The model is big.", "Another model.", "A model again.", "Copyright here."]
    found = scores(*corpus)
    assert found[3]["challenge.copyright"].score > found[0]["domain.models"].score
    rare = rarity(list(nlp.analyse(corpus, nlp.cue_matcher(CODES))))
    assert rare["copyright"] > rare["model"]


def test_overlapping_hits_count_once() -> None:
    found = scores("They keep trade secrets.")[0]["challenge.secrecy"]
    # the pattern "keep ... secret" and the cue "trade secret" overlap on "secrets"
    assert len(found.evidence) == 1


def test_evidence_offsets_point_into_the_text() -> None:
    text = "Well. We never had copyright problems."
    analysed = list(nlp.analyse([text], nlp.cue_matcher(CODES)))
    evidence = score_units([100], analysed)[0]["challenge.copyright"].evidence[0]
    assert (evidence.start - 100, evidence.end - 100) == (19, 28)
    assert text[19:28] == evidence.words == "copyright"
