"""The theme classifier on the held-out comments: per-theme precision, recall and F1, macro-F1, the
sentiment classifier's accuracy, and throughput (scrub + theme + sentiment, comments per second).

    PYTHONPATH=src python benchmarks/engagement.py [--json] [--repeat 20]

The labelled set is ``src/nhc/engagement/data/labelled_comments.csv`` (synthetic, written for the
project; see its README); the model is trained on the ``train`` rows exactly as the app trains it and
scored on the ``test`` rows (a fixed split column, nothing random). Target from issue 21: macro-F1 >= 0.8.
Throughput is measured on the held-out comments repeated ``--repeat`` times, one comment at a time
(as the web form takes them) and in one batch; the load average is printed beside it, since the
machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from sklearn.metrics import accuracy_score, precision_recall_fscore_support

from nhc.engagement.domain import scrub
from nhc.engagement.domain.classifier import ThemeClassifier, labelled_comments, training_rows
from nhc.vocab import THEMES, WHAT_PEOPLE_VALUE


def evaluate(classifier: ThemeClassifier, test: list) -> dict:
    texts = [r.text for r in test]
    truth = [[t in r.themes for t in THEMES] for r in test]
    guessed = [[t in found for t in THEMES] for found in classifier.themes_of(texts)]
    p, r, f, n = precision_recall_fscore_support(truth, guessed, average=None, zero_division=0)
    themes = {
        t: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
            "support": int(n[i])}
        for i, t in enumerate(THEMES)
    }  # fmt: skip
    sentiment = accuracy_score(
        [r.sentiment.value for r in test], [s.value for s in classifier.sentiments_of(texts)]
    )
    return {
        "themes": themes,
        "macro_f1": round(float(f.mean()), 3),
        "sentiment_accuracy": round(sentiment, 3),
    }


def throughput(classifier: ThemeClassifier, texts: list[str]) -> dict:
    start = time.perf_counter()
    for text in texts:
        classifier.tag(scrub(text).text)
    one_by_one = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    clean = [scrub(t).text for t in texts]
    classifier.themes_of(clean), classifier.sentiments_of(clean)
    batch = len(texts) / (time.perf_counter() - start)
    return {"one_at_a_time_per_s": round(one_by_one), "batch_per_s": round(batch), "comments": len(texts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument(
        "--repeat", type=int, default=20, help="Times the held-out set is tagged for throughput."
    )
    args = parser.parse_args()
    rows = labelled_comments()
    train, test = training_rows(rows), [r for r in rows if r.split == "test"]
    start = time.perf_counter()
    classifier = ThemeClassifier(train)
    trained_s = time.perf_counter() - start
    result = evaluate(classifier, test)
    result |= {"train_rows": len(train), "test_rows": len(test), "train_seconds": round(trained_s, 2)}
    result |= throughput(classifier, [r.text for r in test] * args.repeat)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["cpus"] = os.cpu_count()
    if args.json:
        print(json.dumps(result))
        return
    print(f"Held-out comments: {len(test)} (trained on {len(train)} in {result['train_seconds']} s)")
    print(f"{'Theme':<26}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}")
    for t, m in result["themes"].items():
        print(
            f"{WHAT_PEOPLE_VALUE[t]:<26}{m['precision']:>10.2f}{m['recall']:>8.2f}{m['f1']:>7.2f}{m['support']:>5}"
        )
    print(f"{'Macro-F1':<26}{'':>18}{result['macro_f1']:>7.2f}   (target >= 0.80)")
    print(f"Sentiment accuracy: {result['sentiment_accuracy']:.2f} (positive / negative / mixed)")
    print(
        f"Throughput (scrub + themes + sentiment): {result['one_at_a_time_per_s']:,} comments/s one at a time, "
        f"{result['batch_per_s']:,}/s in a batch, over {result['comments']:,} comments"
    )
    print(f"Load average {result['load_average']} on {result['cpus']} CPUs")


if __name__ == "__main__":
    main()
