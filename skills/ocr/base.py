"""The one small interface every OCR engine implements.

An engine reads an upright page image (RGB, uint8, H x W x 3) and returns lines of
words with boxes in that image's pixels. Turning a rotated or skewed page upright is
the job of :meth:`OcrEngine.read_page`; engines that can do it more cheaply (ours
reuses its text detection) override it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from skills.schema import Line


@dataclass(slots=True)
class OcrPage:
    """What reading one page image gave: lines in the frame of the turned image."""

    lines: list[Line]
    width: int  # pixels of the image the boxes refer to (after turning)
    height: int
    rotation: int = 0  # quarter turns applied, in degrees clockwise (0, 90, 180, 270)
    skew: float = 0.0  # degrees of deskew applied after the quarter turn
    timings: dict[str, float] = field(default_factory=dict)


class OcrEngine(ABC):
    name: str = ""

    @property
    @abstractmethod
    def version(self) -> str:
        """Engine, model files and library versions, for provenance."""

    @abstractmethod
    def read(self, image: np.ndarray) -> list[Line]:
        """Lines of words in reading order, boxes in pixels of ``image``."""

    def read_page(self, image: np.ndarray) -> OcrPage:
        """Read a whole page; this default trusts the page to be upright."""
        height, width = image.shape[:2]
        return OcrPage(self.read(image), width, height)
