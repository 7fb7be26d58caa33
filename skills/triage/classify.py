"""One mail in, its triage out: intent, calibrated confidence, whether a person decides,
and the extracted facts."""

from __future__ import annotations

from pydantic import BaseModel

from skills.triage.entities import Entities, extract
from skills.triage.message import Message
from skills.triage.model import TriageModel, default_model
from skills.validate import Vendor


class Triage(BaseModel):
    intent: str
    confidence: float
    needs_person: bool  # the confidence is below the model's calibrated threshold
    model_version: str
    threshold: float = 0.0  # the calibrated confidence below which a person decides (for
    # the predicted intent: each has its own)
    ranked: list[tuple[str, float]] = []  # the three likeliest intents, likeliest first
    entities: Entities


def triage(message: Message, vendors: list[Vendor] | None = None,
           model: TriageModel | None = None) -> Triage:
    model = model or default_model()
    prediction = model.predict_text(message.model_text())
    return Triage(intent=prediction.intent, confidence=round(prediction.confidence, 4),
                  needs_person=prediction.needs_person, model_version=model.version,
                  threshold=round(prediction.threshold, 4),
                  ranked=[(k, round(p, 4)) for k, p in sorted(
                      prediction.probabilities.items(), key=lambda kv: -kv[1])[:3]],
                  entities=extract(message.full_text(), vendors, message.sender))
