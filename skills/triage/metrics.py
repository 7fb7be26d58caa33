"""Classification figures for triage: macro-F1, per-intent precision/recall, the confusion
matrix, calibration error, and what the threshold lets through. Plain numpy, so the
benchmark scores the baseline with the very same code."""

from __future__ import annotations

import numpy as np


def per_intent(truth: list[str], predicted: list[str], intents: list[str]) -> dict[str, dict]:
    out = {}
    for intent in intents:
        tp = sum(t == p == intent for t, p in zip(truth, predicted, strict=True))
        fp = sum(p == intent != t for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == intent != p for t, p in zip(truth, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[intent] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return out


def macro_f1(truth: list[str], predicted: list[str], intents: list[str]) -> float:
    """The mean F1 over the intents present in ``truth``."""
    scores = per_intent(truth, predicted, intents)
    present = [s["f1"] for s in scores.values() if s["support"]]
    return float(np.mean(present)) if present else 0.0


def confusion(truth: list[str], predicted: list[str], intents: list[str]) -> list[list[int]]:
    """Rows: true intent; columns: predicted intent, both in ``intents`` order."""
    index = {k: i for i, k in enumerate(intents)}
    matrix = [[0] * len(intents) for _ in intents]
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = 10) -> float:
    edges = np.linspace(0.0, 1.0, bins + 1)
    total, error = len(confidence), 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            error += inside.sum() / total * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def cuts_of(predicted: list[str], threshold: float | dict[str, float]) -> np.ndarray:
    """Each mail's threshold: one for all, or the one of its predicted intent."""
    if isinstance(threshold, dict):
        return np.array([threshold[p] for p in predicted], dtype=float)
    return np.full(len(predicted), float(threshold))


def at_threshold(confidence: np.ndarray, correct: np.ndarray,
                 cuts: np.ndarray | float) -> dict:
    """Share of mails routed without a person, and how often those routes are right."""
    accepted = confidence >= cuts
    return {"accepted_share": float(accepted.mean()) if len(accepted) else 0.0,
            "precision_of_accepted": float(correct[accepted].mean()) if accepted.any()
            else 1.0}


def routed_per_intent(predicted: list[str], correct: np.ndarray, accepted: np.ndarray,
                      intents: list[str]) -> dict[str, dict]:
    """Per predicted intent: mails routed without a person, and how many rightly."""
    out = {}
    for intent in intents:
        mine = accepted & np.array([p == intent for p in predicted], dtype=bool)
        routed, right = int(mine.sum()), int(correct[mine].sum())
        out[intent] = {"routed": routed, "right": right,
                       "precision": right / routed if routed else None}
    return out


def report(truth: list[str], predicted: list[str], confidence: np.ndarray,
           intents: list[str], threshold: float | dict[str, float]) -> dict:
    """Every figure the model card and the benchmark print for one set; ``threshold`` is
    one cut for every intent or one per predicted intent."""
    correct = np.array([t == p for t, p in zip(truth, predicted, strict=True)], dtype=bool)
    cuts = cuts_of(predicted, threshold)
    return {
        "messages": len(truth),
        "accuracy": float(correct.mean()) if len(correct) else 0.0,
        "macro_f1": macro_f1(truth, predicted, intents),
        "per_intent": per_intent(truth, predicted, intents),
        "confusion": confusion(truth, predicted, intents),
        "ece": expected_calibration_error(confidence, correct),
        **at_threshold(confidence, correct, cuts),
        "routed": routed_per_intent(predicted, correct, confidence >= cuts, intents),
    }
