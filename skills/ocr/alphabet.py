"""The characters a recogniser may write: the scripts of the documents we read.

PP-OCR's recognisers are trained on Chinese and English: their dictionaries hold
thousands of CJK characters. On a European invoice a glyph the model is unsure of
then comes out as one of them: "19,00 %" as "19,00 号", a row of asterisks as "水**来",
"E-Mail" as "ε-Mail". Decoding only among the characters of Latin scripts (with their
punctuation and currency signs) gives the likeliest of those instead, with its own,
lower, probability: the model's second choice, not a rule of ours about which
character it meant.
"""

from __future__ import annotations

import numpy as np

NAME = "latin"  # part of the OCR cache key: a cache decoded otherwise is not reused

# Unicode blocks of the characters European documents print.
_BLOCKS = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2010, 0x205E),  # general punctuation: dashes, quotes, bullets, ellipsis
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x214F),  # letterlike symbols: №, ™, ℮
)


def is_european(char: str) -> bool:
    """A character of a Latin script, its punctuation or a currency sign."""
    return len(char) == 1 and any(lo <= ord(char) <= hi for lo, hi in _BLOCKS)


def allowed_classes(characters: list[str]) -> np.ndarray:
    """Indices of the CTC classes a European document may contain: the blank (class 0),
    the space and every dictionary character of a Latin script."""
    keep = [i for i, ch in enumerate(characters) if i == 0 or ch == " " or is_european(ch)]
    return np.array(keep, dtype=np.int64)
