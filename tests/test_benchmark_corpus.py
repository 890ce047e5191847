"""The benchmark's generated corpus: seeded, speech-like, and shaped like the sample."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import corpus

sys.path.remove(str(BENCHMARKS))


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first = corpus.write_transcripts(tmp_path / "a", 3, words=400)
    again = corpus.write_transcripts(tmp_path / "b", 3, words=400)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert len({p.read_bytes() for p in first}) == 3


def test_filler_is_learned_from_the_sample_participants() -> None:
    chain = corpus.speech()
    assert "So," in chain.openers  # the sample's answers open like this
    assert "I'm" in chain.follows  # contractions and punctuation survive
    assert not any(w.endswith(corpus.ENDS) for w in chain.follows)


def test_sentences_end_and_turns_alternate(tmp_path: Path) -> None:
    (path,) = corpus.write_transcripts(tmp_path, 1, words=2000)
    turns = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert all(t.startswith("Interviewer: ") for t in turns[0::2])
    assert all(t[:4] in ("P01:", "P02:") for t in turns[1::2])
    assert all(t.endswith(corpus.ENDS) for t in turns)
    words = sum(len(t.split()) for t in turns)
    assert 2000 <= words < 2000 + 9 * corpus.LONGEST + 20


def test_large_codebook_clones_codes_up_to_the_size_asked() -> None:
    book = corpus.large_codebook(600)
    codes = [c for c in book.codes if c.kind == "code"]
    assert len(codes) == 600
    assert len({c.id for c in codes}) == 600
    assert any(c.id.endswith("-v9") for c in codes)


def test_clones_with_cues_of_their_own_share_none_with_the_base() -> None:
    base = corpus.load_codebook(corpus.BASE_CODEBOOK)
    base_cues = {cue for c in base.codes for cue in c.cues}
    half = corpus.large_codebook(600)
    own = corpus.large_codebook(600, shared=0.0)
    added = [c for c in own.codes if c.kind == "code" and c not in base.codes]
    assert len([c for c in own.codes if c.kind == "code"]) == 600
    assert added
    assert all(c.cues and not set(c.cues) & base_cues for c in added)
    shared = [c for c in half.codes
              if c.kind == "code" and c not in base.codes and set(c.cues) & base_cues]
    assert len(shared) > len(added) / 2
    assert "cues of their own" in own.name
