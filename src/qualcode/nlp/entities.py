"""Named entities for check-privacy: only with a pretrained pipeline the user installed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from qualcode.errors import UserError
from qualcode.nlp.pipelines import pipeline

_NER_COMPONENTS = frozenset({"ner", "tok2vec", "transformer"})


def installed_ner_pipeline() -> str | None:
    """Name of an installed pretrained spaCy pipeline that finds named entities, if any.

    Nothing is downloaded: ``*_core_*`` packages (which have an entity recogniser) are
    preferred among the installed ones.
    """
    import spacy.util

    names = sorted(spacy.util.get_installed_models())
    core = [name for name in names if "_core_" in name]
    found = core or names
    return found[0] if found else None


def entity_spans(
    texts: Iterable[str], *, model: str, batch_size: int = 64
) -> Iterator[list[tuple[int, int, str]]]:
    """``(start, end, label)`` of the named entities of each text (code-point offsets)."""
    nlp = pipeline(model)
    if "ner" not in nlp.pipe_names:
        msg = f"spaCy pipeline {model!r} has no entity recogniser"
        raise UserError(msg, hint="choose another one with --spacy-model")
    disabled = [name for name in nlp.pipe_names if name not in _NER_COMPONENTS]
    for doc in nlp.pipe(texts, batch_size=batch_size, disable=disabled):
        yield [(ent.start_char, ent.end_char, str(ent.label_)) for ent in doc.ents]
