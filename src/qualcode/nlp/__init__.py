"""The only package that imports spaCy, always lazily, inside functions.

``pipelines`` splits sentences for ingest, ``tokens`` keeps the token boundaries it found
so a text is tokenised only once, ``cues`` matches a codebook's cues and token patterns,
``textcat`` trains and applies the classifier of the model method, and ``entities`` finds
named entities for check-privacy. The names below are the package's
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
from qualcode.nlp.hits import DocHits, doc_hits
from qualcode.nlp.pipelines import DEFAULT_LANG, pipeline, sentence_spans
from qualcode.nlp.textcat import Textcat, Words, textcat_model, train_textcat
from qualcode.nlp.tokens import joined_units_doc, stored_doc, tokenizer_fingerprint, units_doc
from qualcode.nlp.units import analysed

__all__ = [
    "DEFAULT_LANG", "Analysed", "CueHit", "CueMatcher", "DocHits", "Textcat", "UnitHits",
    "Words", "analyse", "analysed", "check_token_pattern", "cue_matcher", "doc_hits",
    "entity_spans",
    "installed_ner_pipeline", "joined_units_doc", "lemma_pipeline", "match_doc", "pipeline", "sentence_spans",
    "stored_doc", "textcat_model", "tokenise", "tokenizer_fingerprint", "train_textcat",
    "units_doc",
]
