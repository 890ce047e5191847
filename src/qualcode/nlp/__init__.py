"""The only package that imports spaCy, always lazily, inside functions.

``pipelines`` splits sentences for ingest, ``cues`` matches a codebook's cues and token
patterns, ``textcat`` trains and applies the classifier of the model method, and
``entities`` finds named entities for check-privacy. The names below are the package's
public API; callers import them from ``qualcode.nlp``.
"""

from qualcode.nlp.cues import (
    Analysed,
    CueHit,
    CueMatcher,
    UnitHits,
    analyse,
    check_token_pattern,
    cue_matcher,
    lemma_pipeline,
    match_doc,
    tokenise,
)
from qualcode.nlp.entities import entity_spans, installed_ner_pipeline
from qualcode.nlp.pipelines import DEFAULT_LANG, pipeline, sentence_spans
from qualcode.nlp.textcat import Textcat, Words, textcat_model, train_textcat
from qualcode.nlp.units import analysed

__all__ = [
    "DEFAULT_LANG", "Analysed", "CueHit", "CueMatcher", "Textcat", "UnitHits", "Words",
    "analyse", "analysed", "check_token_pattern", "cue_matcher", "entity_spans",
    "installed_ner_pipeline", "lemma_pipeline", "match_doc", "pipeline", "sentence_spans",
    "textcat_model", "tokenise", "train_textcat",
]
