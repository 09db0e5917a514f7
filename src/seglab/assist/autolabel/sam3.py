"""SAM 3 as Rapid's detector: each prompt's instances come with their masks, so Rapid needs no segmenter.

SAM 3 answers one prompt at a time (its image encoder runs once per image for all of them); its candidates for
prompt ``q`` score only for ``q``, so in :class:`QueryScores` they have a score in that column and 0 in the
others, and the rules after detection (a threshold per class, NMS across prompts, the best N) work unchanged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from seglab.assist.autolabel.detectors import QueryScores
from seglab.assist.prompts import RgbImage
from seglab.assist.sam3 import ConceptMatches, Sam3Concepts


def _stacked(found: list[ConceptMatches], image_wh: tuple[int, int]) -> QueryScores:
    """Every prompt's candidates as one :class:`QueryScores`, masks drawn only for the boxes asked for."""
    boxes = np.concatenate([matches.boxes for matches in found]).reshape(-1, 4).astype(np.float32)
    scores = np.zeros((len(boxes), len(found)), np.float32)
    owners: list[tuple[int, int]] = []
    start = 0
    for query, matches in enumerate(found):
        scores[start : start + len(matches.scores), query] = matches.scores
        owners.extend((query, index) for index in range(len(matches.scores)))
        start += len(matches.scores)

    def mask(row: int) -> npt.NDArray[np.bool_]:
        query, index = owners[row]
        return found[query].mask(index, image_wh)

    return QueryScores(boxes, scores, mask)


class Sam3Detector:
    """:class:`~seglab.assist.autolabel.detectors.OpenVocabularyDetector` over SAM 3's concept model."""

    def __init__(self, concepts: Sam3Concepts) -> None:
        self.concepts = concepts
        self.name = concepts.name

    def detect(self, image: RgbImage, queries: list[str]) -> QueryScores:
        return _stacked(self.concepts.find(image, queries), (image.shape[1], image.shape[0]))

    def detect_like(
        self, image: RgbImage, boxes: list[list[float]], labels: list[int], text: str | None = None
    ) -> QueryScores:
        """ "More like this": the instances like the example boxes labelled 1 (and unlike those labelled 0), as
        one query's candidates."""
        matches = self.concepts.find_like(image, boxes, labels, text=text)
        return _stacked([matches], (image.shape[1], image.shape[0]))
