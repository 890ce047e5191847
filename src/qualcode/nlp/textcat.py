"""A multi-label text classifier trained from scratch, for the model method of suggest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language


Words = Sequence[str]


def textcat_model(ngram_size: int, length: int) -> dict[str, Any]:
    """The classifier's architecture: a bag of words and n-grams (fast on a CPU, no vectors)
    hashed into ``length`` rows of weights per label."""
    return {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
            "ngram_size": ngram_size, "no_output_layer": False, "length": length}


def _textcat_pipeline(labels: Sequence[str], ngram_size: int, length: int) -> Language:
    import spacy

    # units arrive as words, so the tokenizer is never used: the multi-language blank
    # pipeline has the lightest one
    nlp = spacy.blank("xx")
    model = textcat_model(ngram_size, length)
    textcat: Any = nlp.add_pipe("textcat_multilabel", config={"model": model})
    for label in labels:
        textcat.add_label(label)
    return nlp


def train_textcat(
    examples: Sequence[tuple[Words, Sequence[str]]],
    labels: Sequence[str],
    *,
    ngram_size: int = 2,
    length: int = 2**14,
    epochs: int = 12,
    dropout: float = 0.1,
    batch_size: int = 16,
    learn_rate: float = 0.01,
    l2: float = 1e-6,
    seed: int = 0,
) -> bytes:
    """Train a ``textcat_multilabel`` on pre-tokenised units and return ``nlp.to_bytes()``.

    ``examples`` are ``(words, positive labels)``; every other label is negative. The seed
    fixes the initial weights and the shuffling, so the same data gives the same model.
    """
    import random

    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import minibatch
    from thinc.api import Adam, fix_random_seed

    fix_random_seed(seed)
    nlp = _textcat_pipeline(labels, ngram_size, length)
    data = [
        Example.from_dict(Doc(nlp.vocab, words=list(words)),
                          {"cats": {label: float(label in positive) for label in labels}})
        for words, positive in examples
    ]
    nlp.initialize(lambda: data)
    optimizer = Adam(learn_rate, L2=l2)
    textcat: Any = nlp.get_pipe("textcat_multilabel")
    order = random.Random(seed)
    for _ in range(epochs):
        order.shuffle(data)
        for batch in minibatch(data, size=batch_size):  # type: ignore[no-untyped-call]
            # the component's own update: nlp.update would copy every example each time
            textcat.update(batch, sgd=optimizer, drop=dropout)
    # the running average of the weights generalises better than their last value
    with nlp.use_params(optimizer.averages):
        result: bytes = nlp.to_bytes()
    return result


class Textcat:
    """A trained classifier loaded from ``nlp.to_bytes()`` data."""

    def __init__(self, data: bytes, labels: Sequence[str], *, ngram_size: int, length: int) -> None:
        self.nlp = _textcat_pipeline(labels, ngram_size, length)
        self.nlp.from_bytes(data)
        textcat: Any = self.nlp.get_pipe("textcat_multilabel")
        self.labels: list[str] = list(textcat.labels)
        # the model's layers, called one by one: ngrams >> sparse_linear >> logistic
        layers = {layer.name: layer for layer in textcat.model.walk()}
        self._ngrams, self._logistic = layers["extract_ngrams"], layers["logistic"]
        self._linear = textcat.model.get_ref("output_layer")

    def features(self, units: Sequence[Words]) -> Any:
        """The hashed n-grams and their counts the model reads of each unit; they are the
        same for every classifier of the same ``ngram_size``, so several classifiers can
        score units from one extraction."""
        from spacy.tokens import Doc

        return self._ngrams.predict([Doc(self.nlp.vocab, words=list(words) or ["-"])
                                     for words in units])

    def probabilities(self, features: Any) -> Any:
        """The probability of every label (columns in ``self.labels`` order; float32) for
        each unit of :meth:`features`: what the pipeline's ``predict`` gives."""
        return self._logistic.predict(self._linear.predict(features))
