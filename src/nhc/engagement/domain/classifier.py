"""Theme and sentiment tagging, offline: two small linear models trained on the shipped labelled set.

The labelled set (``data/labelled_comments.csv``, see ``data/README.md``) is synthetic: comments
written for the project in the style of the seed's "What People Value" table, each with its themes
(slugs of :data:`nhc.vocab.WHAT_PEOPLE_VALUE`), its sentiment and a fixed ``split`` column (every
fourth row is held out as ``test``; nothing is drawn at random at run time).

Models (scikit-learn): the features are TF-IDF of word 1-2-grams and of character 3-5-grams (within
words, so spelling variants and typos still share features). Themes are multi-label: one linear SVM
per theme (one-vs-rest, balanced class weights); a comment gets every theme whose score is above 0,
and always its best-scoring theme when that scores above :data:`MIN_SCORE` (most comments are about
something). Sentiment (positive, negative, mixed) is a second linear SVM over the same kind of
features, trained on the sentiment column -- a classifier rather than a word list, because the
comments' sentiment is carried by phrases ("no complaints", "could not get through") that a lexicon
reads wrongly.

Why train on first use rather than ship a fitted model: a pickle is code that runs when loaded (nothing
to trust), and training on the ~400 training rows takes well under a second. :func:`shipped_classifier`
trains once per process (thread-safe) and keeps the result; everything is deterministic (the SVM's
solver is seeded).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from nhc.engagement.domain.feedback import Sentiment, check_themes, parse_sentiment
from nhc.vocab import THEMES

DATA_FILE = "data/labelled_comments.csv"
#: The best theme is given even below 0 when it scores above this (an off-topic comment gets none).
MIN_SCORE = -0.5
_SEED = 0


@dataclass(frozen=True)
class Labelled:
    """One row of the labelled set."""

    id: int
    split: str  # "train" or "test"
    themes: tuple[str, ...]
    sentiment: Sentiment
    text: str


def read_labelled(text: str) -> tuple[Labelled, ...]:
    """The rows of a labelled CSV (``#`` lines are comments); themes and sentiment are checked."""
    lines = io.StringIO("".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("#")))
    return tuple(
        Labelled(
            id=int(row["id"]),
            split=row["split"],
            themes=check_themes(row["themes"].split(";")),
            sentiment=parse_sentiment(row["sentiment"]),
            text=row["text"],
        )
        for row in csv.DictReader(lines)
    )


def labelled_comments() -> tuple[Labelled, ...]:
    """The shipped labelled set."""
    text = resources.files("nhc.engagement").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return read_labelled(text)


def _features() -> Pipeline:
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    return make_union(words, chars)


class ThemeClassifier:
    """Themes and sentiment for comments (already scrubbed: the models never see identifiers)."""

    def __init__(self, training: Sequence[Labelled]) -> None:
        if not training:
            raise ValueError("no training comments")
        texts = [c.text for c in training]
        targets = np.array([[t in c.themes for t in THEMES] for c in training], dtype=int)
        svm = LinearSVC(C=0.5, class_weight="balanced", random_state=_SEED)
        self._themes = make_pipeline(_features(), OneVsRestClassifier(svm))
        self._themes.fit(texts, targets)
        self._sentiment = make_pipeline(
            _features(), LinearSVC(C=0.5, class_weight="balanced", random_state=_SEED)
        )
        self._sentiment.fit(texts, [c.sentiment.value for c in training])

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per theme (in :data:`nhc.vocab.THEMES` order)."""
        return np.atleast_2d(self._themes.decision_function(list(texts)))

    def themes_of(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The themes of each text (see the module's rule), in vocabulary order."""
        if not texts:
            return []
        out: list[tuple[str, ...]] = []
        for row in self.scores(texts):
            best = int(row.argmax())
            chosen = {i for i, s in enumerate(row) if s > 0}
            if row[best] > MIN_SCORE:
                chosen.add(best)
            out.append(tuple(THEMES[i] for i in sorted(chosen)))
        return out

    def sentiments_of(self, texts: Sequence[str]) -> list[Sentiment]:
        if not texts:
            return []
        return [Sentiment(s) for s in self._sentiment.predict(list(texts))]

    def tag(self, text: str) -> tuple[tuple[str, ...], Sentiment]:
        """The themes and sentiment of one comment."""
        return self.themes_of([text])[0], self.sentiments_of([text])[0]


_lock = threading.Lock()
_trained: ThemeClassifier | None = None


def training_rows(rows: Iterable[Labelled]) -> list[Labelled]:
    return [r for r in rows if r.split == "train"]


def shipped_classifier() -> ThemeClassifier:
    """The classifier trained on the shipped set's training rows, once per process."""
    global _trained
    with _lock:
        if _trained is None:
            _trained = ThemeClassifier(training_rows(labelled_comments()))
        return _trained
