from __future__ import annotations

import numpy as np

from qa.config import RankingParams
from qa.ranking.fusion import convex, rrf


def test_rrf_matches_the_formula_and_breaks_ties_by_id():
    fused = rrf([[3, 1, 2], [1, 3]], k=60)
    assert list(fused) == [1, 3, 2]
    assert abs(fused[1] - (1 / 62 + 1 / 61)) < 1e-12
    assert abs(fused[2] - 1 / 63) < 1e-12


def test_convex_weights_and_note_flag():
    p = RankingParams(passage_weight=0.5, lexical_weight=0.25, note_weight=0.9)
    z = np.zeros(3, np.float32)
    fused, by_note = convex(
        dense_passage=np.array([0.4, 0.2, 0.0], np.float32),
        dense_sentence=np.array([0.6, 0.2, 0.0], np.float32),
        dense_note=np.array([0.0, 0.8, 0.0], np.float32),
        lexical_passage=np.array([0.2, 0.0, 0.0], np.float32),
        lexical_note=z,
        params=p,
    )
    assert np.allclose(fused, [0.75 * 0.5 + 0.25 * 0.2, 0.75 * 0.72, 0.0])
    assert list(by_note) == [False, True, False]


def test_lexical_weight_extremes_select_one_signal():
    kw = dict(dense_passage=np.array([0.9, 0.1], np.float32), dense_sentence=np.array([0.9, 0.1], np.float32),
              dense_note=np.zeros(2, np.float32), lexical_passage=np.array([0.0, 0.7], np.float32),
              lexical_note=np.zeros(2, np.float32))
    dense_only, _ = convex(**kw, params=RankingParams(lexical_weight=0.0))
    lex_only, _ = convex(**kw, params=RankingParams(lexical_weight=1.0))
    assert np.argmax(dense_only) == 0 and np.argmax(lex_only) == 1
