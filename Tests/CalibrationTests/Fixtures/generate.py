#!/usr/bin/env python3
"""Writes the CalibrationTests fixtures with numpy. Run once from this
directory; the outputs are committed and the tests never run Python.

calib/x.npy  float32 [6, 4, 64]: Gaussian samples whose scale grows from
             sample to sample (so the histogram's range doubles several
             times), with outliers, NaN, +-inf, -3.4e38 and +1e30 sentinels.
calib/m.npy  float32 [6, 4, 8]: an attention-mask-like input: small noise
             where kept, -3.4e38 or -inf where masked.
expected.json  what calibrate must record for the graph inputs x and m:
             counts, min/max, the histogram (2048 bins), x's per-channel
             maxima along its last axis (x feeds a MatMul), and the range of
             every method. The histogram, percentile, entropy and mse code
             below is an independent numpy rendering of the algorithms
             documented in passes/calibrate.
"""
import json
import math
import os

import numpy as np

BINS = 2048
SENTINEL = np.float32(1e30)
rng = np.random.default_rng(20261126)

# ---------------------------------------------------------------- data
scales = [0.001, 0.5, 1.0, 2.0, 1.0, 8.0]
x = np.stack([rng.normal(0, s, size=(4, 64)) for s in scales]).astype(np.float32)
x[1, 0, 5] = 40 * 0.5
x[3, 2, 7] = -40 * 2.0
x[5, 1, 1] = 40 * 8.0
for (i, j, k), v in zip(
    [(0, 0, 0), (2, 1, 3), (4, 3, 63),                   # NaN
     (1, 1, 1), (5, 0, 9),                               # +inf
     (0, 3, 3), (2, 2, 2), (3, 3, 3), (5, 3, 3),         # -inf
     (1, 2, 4), (2, 0, 5), (3, 1, 6), (4, 2, 7), (5, 2, 8),  # -3.4e38
     (4, 0, 10)],                                        # +1e30 (at the threshold: a sentinel)
    [np.nan] * 3 + [np.inf] * 2 + [-np.inf] * 4 + [np.finfo(np.float32).min] * 5 + [1e30],
):
    x[i, j, k] = v

m = (rng.normal(0, 0.1, size=(6, 4, 8))).astype(np.float32)
mask = rng.random(size=(6, 4, 8)) < 0.3
m[mask] = np.finfo(np.float32).min
m[0, 0, 7] = -np.inf
m[3, 1, 6] = -np.inf

os.makedirs("calib", exist_ok=True)
np.save("calib/x.npy", x)
np.save("calib/m.npy", m)


# ---------------------------------------------------------------- reference
def in_range(a):
    a = a.ravel()
    return a[np.abs(a) < SENTINEL]


def radius_exponent(v):
    mag = float(np.max(np.abs(v))) if v.size else 0.0
    if mag == 0:
        return -64
    return max(math.frexp(mag)[1], -64)  # smallest e with mag < 2**e


def histogram(v):
    e = radius_exponent(v)
    r = 2.0 ** e
    idx = np.floor(v.astype(np.float64) * (BINS / (2 * r)) + BINS / 2).astype(np.int64)
    idx = np.minimum(idx, BINS - 1)
    return e, np.bincount(idx, minlength=BINS)


def lower_percentile(e, counts, q):
    r = 2.0 ** e
    w = 2 * r / BINS
    target = min(max(q, 0.0), 1.0) * counts.sum()
    cum = np.cumsum(counts)
    i = int(np.nonzero((cum > target) & (counts > 0))[0][0]) if (cum > target).any() else int(np.nonzero(counts)[0][-1])
    return -r + i * w


def upper_percentile(e, counts, q):
    r = 2.0 ** e
    w = 2 * r / BINS
    target = min(max(q, 0.0), 1.0) * counts.sum()
    cum = np.cumsum(counts)
    i = int(np.nonzero((cum >= target) & (counts > 0))[0][0]) if (cum >= target).any() else int(np.nonzero(counts)[0][-1])
    return -r + (i + 1) * w


def clip(lo, hi, t):
    return widened(min(max(lo, -t), t), min(max(hi, -t), t))


def widened(lo, hi):
    lo32, hi32 = np.float32(lo), np.float32(hi)
    if float(lo32) > lo:
        lo32 = np.nextafter(lo32, np.float32(-np.inf))
    if float(hi32) < hi:
        hi32 = np.nextafter(hi32, np.float32(np.inf))
    mag = max(abs(lo32), abs(hi32))
    minimum = max(np.float32(2.0 ** -24), mag * np.float32(2.0 ** -20))
    if hi32 - lo32 < minimum:
        mid = lo32 / np.float32(2) + hi32 / np.float32(2)
        lo32, hi32 = mid - minimum / np.float32(2), mid + minimum / np.float32(2)
    return float(lo32), float(hi32)


def smoothed(v, eps=1e-4):
    zeros = (v == 0)
    nz = v.size - zeros.sum()
    if nz == 0:
        return None
    e = 0.0 if zeros.sum() == 0 else min(eps, v[~zeros].min() / 2 * nz / zeros.sum())
    take = e * zeros.sum() / nz
    return np.where(zeros, e, v - take)


def entropy_threshold(e, counts, levels=128):
    half = BINS // 2
    w = 2 * 2.0 ** e / BINS
    mag = counts[half:] + counts[:half][::-1]
    nonzero = np.nonzero(mag)[0]
    if nonzero.size == 0:
        return 0.0
    n = nonzero[-1] + 1
    if n <= levels:
        return n * w
    c = mag[:n].astype(np.float64)
    best, best_i = math.inf, n
    for i in range(levels, n + 1):
        p = c[:i].copy()
        p[i - 1] += c[i:].sum()
        q = np.zeros(i)
        size = i // levels
        for g in range(levels):
            start, stop = g * size, (i if g == levels - 1 else g * size + size)
            nzs = (p[start:stop] != 0)
            k = nzs.sum()
            share = c[start:stop].sum() / k if k else 0.0
            q[start:stop] = np.where(nzs, share, 0.0)
        ps, qs = smoothed(p), smoothed(q)
        if ps is None or qs is None:
            continue
        ps, qs = ps / ps.sum(), qs / qs.sum()
        sel = ps > 0
        d = float(np.sum(ps[sel] * np.log(ps[sel] / qs[sel])))
        if d < best:
            best, best_i = d, i
    return best_i * w


def mse_threshold(e, counts, lo_obs, hi_obs, steps=255):
    # Direct evaluation (no moment recurrences): the Swift code carries sums, this recomputes them.
    half = BINS // 2
    w = 2 * 2.0 ** e / BINS
    mag = counts[half:] + counts[:half][::-1]
    nonzero = np.nonzero(mag)[0]
    if nonzero.size == 0:
        return 0.0
    n = nonzero[-1] + 1
    total = counts.sum()
    centers = (np.arange(half) + 0.5) * w  # distance of magnitude bin j's centre from 0
    pos, neg = counts[half:].astype(np.float64), counts[:half][::-1].astype(np.float64)
    best, best_j = math.inf, n
    for j in range(n, 0, -1):
        t = j * w
        lo, hi = min(max(lo_obs, -t), t), min(max(hi_obs, -t), t)
        s = (max(hi, 0) - min(lo, 0)) / steps
        clipped_n = pos[j:].sum() + neg[j:].sum()
        d = centers[j:] - t
        clipped = float(np.sum((pos[j:] + neg[j:]) * (d * d + w * w / 12)))
        err = (total - clipped_n) * s * s / 12 + clipped
        if err < best:
            best, best_j = err, j
    return best_j * w


def record(a, channel_axis=None):
    v = in_range(a)
    flat = a.ravel()
    finite_or_inf = flat[~np.isnan(flat)]
    big = finite_or_inf[np.abs(finite_or_inf) >= SENTINEL]
    e, counts = histogram(v)
    lo, hi = float(v.min()), float(v.max())
    r = {
        "elements": int(a.size),
        "nan": int(np.isnan(flat).sum()),
        "positiveSentinel": int((big > 0).sum()),
        "negativeSentinel": int((big < 0).sum()),
        "positiveInfinity": int(np.isposinf(flat).sum()),
        "negativeInfinity": int(np.isneginf(flat).sum()),
        "min": lo,
        "max": hi,
        "radiusExponent": e,
        "histogram": {str(i): int(c) for i, c in enumerate(counts) if c},
        "ranges": {},
    }
    for p in [99.9, 99.99]:
        down, up = lower_percentile(e, counts, 1 - p / 100), upper_percentile(e, counts, p / 100)
        r["ranges"][f"percentile{{p={p}}}"] = widened(max(lo, min(down, hi)), min(hi, max(up, lo)))
    r["ranges"]["minmax"] = widened(lo, hi)
    constant = max(abs(lo), abs(hi)) if lo == hi else None  # entropy and mse leave constants unclipped
    r["ranges"]["entropy"] = clip(lo, hi, constant if constant is not None else entropy_threshold(e, counts))
    r["ranges"]["mse"] = clip(lo, hi, constant if constant is not None else mse_threshold(e, counts, lo, hi))
    if channel_axis is not None:
        ab = np.abs(a.astype(np.float64))
        ab[~(ab < SENTINEL)] = 0  # NaN, inf and sentinels are left out
        axes = tuple(i for i in range(a.ndim) if i != channel_axis)
        r["channelMaxima"] = [float(v) for v in ab.max(axis=axes)]
    return r


expected = {"x": record(x, channel_axis=2), "m": record(m)}
with open("expected.json", "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
print("wrote calib/x.npy, calib/m.npy, expected.json")
