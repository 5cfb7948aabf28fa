"""Benchmark: score 10,000 respondents x 100 Likert items with reliability, on one core.

Run from the project root:

    .venv/bin/python benchmarks/bench_scoring.py

The vectorised path is what `salesfit score` runs: `score_instrument` (item scores, scale
scores with the 80% rule, response-validity flags), `.reliability()` of every scale
(Cronbach's alpha with pairwise deletion, corrected item-total correlations, mean, SD) and
`results_json` (which computes the reliability once more and builds the per-respondent
output). It is compared in the same process with a plain per-respondent Python loop that
does less (keying, scale means with the 80% rule, and alpha from a pairwise covariance
computed with Python loops); the loop is timed on a subset and extrapolated linearly, since
its work grows linearly with the number of respondents. See benchmarks/README.md.
"""

from __future__ import annotations

import os

# One core: BLAS thread pools read these when numpy is first imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, TypeVar  # noqa: E402

import numpy as np  # noqa: E402

from app.scoring.definitions import SelfReport  # noqa: E402
from app.scoring.engine import results_json, score_instrument  # noqa: E402
from app.scoring.scales import MIN_ANSWERED_SHARE  # noqa: E402

RESPONDENTS = 10_000
SCALES = 10
ITEMS_PER_SCALE = 10
LOW, HIGH = 1, 5
REVERSE_SHARE = 0.3
MISSING_SHARE = 0.02
LOOP_SUBSET = 1_000
REPEATS = 3
TARGET_SECONDS = 1.0
SEED = 20260101

T = TypeVar("T")


def text(en: str) -> dict[str, str]:
    return {"ru": f"[ru] {en}", "en": en}


def make_instrument(reverse: list[bool]) -> SelfReport:
    scale_ids = [f"scale_{k + 1:02d}" for k in range(SCALES)]
    items = [
        {
            "id": f"item_{j + 1:03d}",
            "scale": scale_ids[j % SCALES],  # interleaved, as questionnaires mix scales
            "text": text(f"Statement {j + 1}"),
            "key": "reverse" if reverse[j] else "positive",
        }
        for j in range(SCALES * ITEMS_PER_SCALE)
    ]
    return SelfReport.model_validate(
        {
            "id": "benchmark",
            "version": "1",
            "type": "self_report",
            "title": text("Benchmark"),
            "description": text("Synthetic answers"),
            "instructions": text("Rate each statement"),
            "minutes": 20,
            "audience": ["candidate"],
            "scales": {s: {"kind": "trait", "name": text(s)} for s in scale_ids},
            "response_scale": {"min": LOW, "max": HIGH},
            "items": items,
        }
    )


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, list[bool], np.ndarray]:
    """Raw answers (n, m) with NaN for ~2% missing, the reverse keys, seconds per item."""
    m = SCALES * ITEMS_PER_SCALE
    scale_of = np.arange(m) % SCALES
    reverse = rng.random(m) < REVERSE_SHARE
    latent = rng.standard_normal((RESPONDENTS, SCALES))[:, scale_of]
    keyed = np.clip(np.rint(3.0 + latent + rng.normal(0.0, 0.9, (RESPONDENTS, m))), LOW, HIGH)
    raw = np.where(reverse, LOW + HIGH - keyed, keyed)
    raw[rng.random(raw.shape) < MISSING_SHARE] = np.nan
    seconds = rng.lognormal(mean=math.log(6.0), sigma=0.5, size=(RESPONDENTS, m))
    return raw, reverse.tolist(), seconds


# ----------------------------------------------------------------------------- vectorised


def vectorised(
    instrument: SelfReport, ids: list[str], raw: np.ndarray, seconds: np.ndarray
) -> dict[str, Any]:
    scores = score_instrument(instrument, ids, answers=raw, item_seconds=seconds)
    scores.reliability()
    return results_json(scores)


# ----------------------------------------------------------------------------- plain loop


def loop_scores(
    rows: list[list[float | None]], reverse: list[bool], scale_of: list[int]
) -> tuple[list[list[float | None]], list[list[float | None]]]:
    """Item scores on 0-100 and scale scores (None when under 80% answered), per respondent."""
    counts = [0] * SCALES
    for k in scale_of:
        counts[k] += 1
    needed = [math.ceil(MIN_ANSWERED_SHARE * c - 1e-9) for c in counts]
    all_items, all_scales = [], []
    for row in rows:
        items: list[float | None] = []
        sums = [0.0] * SCALES
        answered = [0] * SCALES
        for j, x in enumerate(row):
            if x is None:
                items.append(None)
                continue
            keyed = LOW + HIGH - x if reverse[j] else x
            score = 100.0 * (keyed - LOW) / (HIGH - LOW)
            items.append(score)
            sums[scale_of[j]] += score
            answered[scale_of[j]] += 1
        all_items.append(items)
        all_scales.append(
            [
                sums[k] / answered[k] if answered[k] and answered[k] >= needed[k] else None
                for k in range(SCALES)
            ]
        )
    return all_items, all_scales


def loop_alpha(columns: list[list[float | None]]) -> float:
    """Cronbach's alpha from a covariance matrix with pairwise deletion, in plain Python."""
    k = len(columns)
    trace = total = 0.0
    for a in range(k):
        for b in range(a, k):
            pairs = [
                (x, y)
                for x, y in zip(columns[a], columns[b], strict=True)
                if x is not None and y is not None
            ]
            if len(pairs) < 2:
                return math.nan
            mean_x = sum(x for x, _ in pairs) / len(pairs)
            mean_y = sum(y for _, y in pairs) / len(pairs)
            cov = sum((x - mean_x) * (y - mean_y) for x, y in pairs) / (len(pairs) - 1)
            if a == b:
                trace += cov
                total += cov
            else:
                total += 2.0 * cov
    if total <= 0:
        return math.nan
    return k / (k - 1) * (1.0 - trace / total)


def loop(
    rows: list[list[float | None]], reverse: list[bool], scale_of: list[int]
) -> tuple[list[list[float | None]], list[float]]:
    items, scales = loop_scores(rows, reverse, scale_of)
    alphas = []
    for k in range(SCALES):
        members = [j for j, s in enumerate(scale_of) if s == k]
        alphas.append(loop_alpha([[row[j] for row in items] for j in members]))
    return scales, alphas


# ----------------------------------------------------------------------------- timing


def best_of(repeats: int, run: Callable[[], T]) -> tuple[float, T]:
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # pin to one core
    rng = np.random.default_rng(SEED)
    raw, reverse, seconds = make_data(rng)
    instrument = make_instrument(reverse)
    ids = [f"r{i:05d}" for i in range(RESPONDENTS)]
    m = raw.shape[1]
    scale_of = [j % SCALES for j in range(m)]
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, one core"
    )
    print(
        f"data: {RESPONDENTS:,} respondents x {m} Likert items ({SCALES} scales of "
        f"{ITEMS_PER_SCALE}), {sum(reverse)} reverse-keyed, "
        f"{np.isnan(raw).mean():.1%} missing, seconds per item given"
    )

    # Vectorised: the whole pipeline, best of REPEATS, plus where the time goes.
    vector_seconds, output = best_of(REPEATS, lambda: vectorised(instrument, ids, raw, seconds))
    score_seconds, scores = best_of(
        REPEATS,
        lambda: score_instrument(instrument, ids, answers=raw, item_seconds=seconds),
    )
    reliability_seconds, _ = best_of(REPEATS, scores.reliability)
    json_seconds, _ = best_of(REPEATS, lambda: results_json(scores))

    # Plain loop on a subset, extrapolated.
    subset_rows = [
        [None if math.isnan(x) else float(x) for x in row] for row in raw[:LOOP_SUBSET].tolist()
    ]
    subset_seconds, (loop_scales, loop_alphas) = best_of(
        REPEATS, lambda: loop(subset_rows, reverse, scale_of)
    )
    loop_seconds = subset_seconds * RESPONDENTS / LOOP_SUBSET

    # The two implementations must agree where they overlap.
    subset = score_instrument(instrument, ids[:LOOP_SUBSET], answers=raw[:LOOP_SUBSET])
    vector_scales = subset.scales.scores
    loop_matrix = np.array(
        [[math.nan if v is None else v for v in row] for row in loop_scales], dtype=np.float64
    )
    same_missing = bool((np.isnan(vector_scales) == np.isnan(loop_matrix)).all())
    score_difference = float(np.nanmax(np.abs(vector_scales - loop_matrix)))
    vector_alphas = [r.alpha for r in subset.reliability().values()]
    alpha_difference = max(abs(a - b) for a, b in zip(vector_alphas, loop_alphas, strict=True))
    alphas = [s["alpha"] for s in output["scales"].values()]

    print()
    print(f"vectorised (best of {REPEATS}): {vector_seconds:.3f} s")
    print(f"  rows per second:                {RESPONDENTS / vector_seconds:,.0f}")
    print(
        f"  of which score_instrument {score_seconds:.3f} s, reliability() "
        f"{reliability_seconds:.3f} s, results_json {json_seconds:.3f} s "
        "(results_json computes the reliability again)"
    )
    print(
        f"plain Python loop: {loop_seconds:.3f} s, extrapolated from {subset_seconds:.3f} s "
        f"for {LOOP_SUBSET:,} respondents (best of {REPEATS}) x {RESPONDENTS // LOOP_SUBSET}"
    )
    print(f"  rows per second:                {RESPONDENTS / loop_seconds:,.0f}")
    print(f"speed-up: {loop_seconds / vector_seconds:.1f}x")
    core = score_seconds + reliability_seconds
    print(
        f"  without results_json (score_instrument + reliability(), {core:.3f} s, still "
        f"more work than the loop): {loop_seconds / core:.1f}x"
    )
    print(
        f"check on {LOOP_SUBSET:,} respondents ({int(np.isnan(vector_scales).sum())} scale "
        "scores missing under the 80% rule): scale scores differ by at most "
        f"{score_difference:.1e}, missing scores {'identical' if same_missing else 'DIFFER'}, "
        f"alphas differ by at most {alpha_difference:.1e}; "
        f"alpha on {RESPONDENTS:,}: {min(alphas):.3f}-{max(alphas):.3f}"
    )
    met = vector_seconds < TARGET_SECONDS
    print(f"target: under {TARGET_SECONDS:.0f} s -> {'met' if met else 'NOT met'}")
    agree = same_missing and score_difference < 1e-9 and alpha_difference < 1e-9
    if not agree:
        print("the loop and the vectorised scores disagree", file=sys.stderr)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
