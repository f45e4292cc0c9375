"""The category classifier: TF-IDF views of the text, one linear SVM per view, a calibrator on top.

Why this shape (measured on the Teddy 2020 messages, see bench/bench_intake_heldout.py):
- character unigrams+bigrams, with punctuation as a boundary and place codes and numbers folded,
  carry the signal and need no segmentation (jieba words are an option: no better, 2× slower);
- a second view of the same n-grams over the opening 40 characters only (the title, or the first
  sentence that says what the message is about) with its own SVM: the calibrator learns how far to
  trust the opening against the whole text. On held-out splits it raised coverage at the same
  precision (seeds 0 and 1: pooled held-out precision at 60 % coverage 98.4 % → 98.7 %, coverage at
  the picked threshold 61 % → 64 %); words, trigrams or one char 1-3 view did not;
- class-balanced SVMs: the small classes (交通运输) otherwise lose most of their recall;
- an SVM's margins are not probabilities, so a multinomial logistic regression is fitted on the
  out-of-fold margins of every view ("stacking"); its probabilities are what the threshold applies to;
- the auto-dispatch threshold is the lowest confidence at which the one-sided 95 % Clopper-Pearson
  lower bound of precision, on cross-validated predictions, still meets the target: the point estimate
  picked where it first touched the target realised 95.9 % of a promised 98 % on unseen messages;
  the counts behind the bound are averaged over repeated partitions into folds: with one partition,
  the fold seed alone moved the threshold of the same data between 0.963 and 0.984;
- the model is plain arrays and a JSON manifest with checksums, never a pickle: a model directory
  may come from anywhere, and loading it must not run code.
"""

import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from civicgrid.core import chinese
from civicgrid.core.refusal import Refusal

FORMAT = "civicgrid-intake-model"
FORMAT_VERSION = 1
KINDS = ("char", "head", "word")
MANIFEST = "model.json"
ARRAYS = "arrays.npz"

# The anonymised or real place prefix ("E12市", "A3区") names a place, not a kind of matter.
_PLACE_CODE = re.compile(r"[a-z]+\d*(?=[市区县镇乡村])")
_DIGITS = re.compile(r"\d+")
_MASK = re.compile(r"\*+")
_SEPARATORS = re.compile(r"[^0-9a-z#*\u3400-\u4dbf\u4e00-\u9fff]+")


class ModelFileError(Refusal):
    """A model directory that is missing, damaged, tampered with or of an unknown format."""


def normalise(text: str) -> str:
    """What every view reads: lower-case half-width text, place codes and numbers folded, punctuation a space."""
    text = chinese.normalise(text)
    text = _PLACE_CODE.sub("#", text)
    text = _DIGITS.sub("0", text)
    text = _MASK.sub("*", text)
    return _SEPARATORS.sub(" ", text).strip()


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    out = []
    for chunk in normalise(text).split():
        size = len(chunk)
        for n in range(low, high + 1):
            out.extend(chunk[i : i + n] for i in range(size - n + 1))
    return out


def jieba_words(text: str, max_chars: int) -> list[str]:
    # Segmentation is the slow part; the opening of a message says what it is about.
    return chinese.words(normalise(text)[:max_chars], hmm=False)


@dataclass
class View:
    """One way of reading the text and the linear model trained on it."""

    kind: str  # "char", "head" (characters of the opening only) or "word"
    low: int = 1
    high: int = 2
    max_chars: int = 400
    vocabulary: list[str] = field(default_factory=list)
    idf: np.ndarray | None = None
    coef: np.ndarray | None = None  # labels × features
    intercept: np.ndarray | None = None
    _index: dict | None = None
    _coef_t: np.ndarray | None = None

    def tokens(self, text: str) -> list[str]:
        if self.kind == "char":
            return char_ngrams(text, self.low, self.high)
        if self.kind == "head":
            return char_ngrams(text[: self.max_chars], self.low, self.high)
        if self.kind == "word":
            return jieba_words(text, self.max_chars)
        raise ModelFileError(f"未知的文本特征类型：{self.kind}")

    def config(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high, "max_chars": self.max_chars}

    @property
    def index(self) -> dict:
        if self._index is None:
            self._index = {term: i for i, term in enumerate(self.vocabulary)}
        return self._index

    def counts(self, token_lists) -> sp.csr_matrix:
        index, indptr, indices, data = self.index, [0], [], []
        for tokens in token_lists:
            seen: dict[int, int] = {}
            for token in tokens:
                j = index.get(token)
                if j is not None:
                    seen[j] = seen.get(j, 0) + 1
            indices.extend(seen.keys())
            data.extend(seen.values())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(indptr) - 1, len(self.vocabulary)),
        )

    def features(self, token_lists) -> sp.csr_matrix:
        return tfidf(self.counts(token_lists), self.idf)

    def margins(self, token_lists) -> np.ndarray:
        if len(token_lists) == 1:
            return self.margins_one(token_lists[0])[None, :]
        return np.asarray(self.features(token_lists) @ self.coef.T) + self.intercept

    def margins_one(self, tokens: list[str]) -> np.ndarray:
        """One text without building a sparse matrix: what intake does on every keystroke pause."""
        index, counts = self.index, {}
        for token in tokens:
            j = index.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return self.intercept.copy()
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[
            cols
        ]
        values /= np.sqrt(values @ values)
        return values @ self.coef_t[cols] + self.intercept

    @property
    def coef_t(self) -> np.ndarray:
        if self._coef_t is None:
            self._coef_t = np.ascontiguousarray(self.coef.T)
        return self._coef_t


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, each row scaled to unit length (as scikit-learn's TfidfVectorizer does).
    A term with IDF 0 is left out, as if it were not in the vocabulary."""
    x = counts.copy()
    x.data = 1.0 + np.log(x.data)
    x = sp.csr_matrix(x @ sp.diags(idf))
    x.eliminate_zeros()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


@dataclass
class Classifier:
    labels: list[str]
    views: list[View]
    cal_coef: np.ndarray  # labels × (labels · views)
    cal_intercept: np.ndarray
    threshold: float = 1.0
    info: dict = field(default_factory=dict)

    def margins(self, texts: list[str]) -> np.ndarray:
        return np.hstack([view.margins([view.tokens(t) for t in texts]) for view in self.views])

    def calibrate(self, margins: np.ndarray) -> np.ndarray:
        return softmax(margins @ self.cal_coef.T + self.cal_intercept)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.calibrate(self.margins(texts))

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k likeliest labels for one text, with calibrated confidence."""
        p = self.predict_proba([text])[0]
        order = np.argsort(-p)[:k]
        return [(self.labels[i], float(p[i])) for i in order]

    def confident(self, confidence: float) -> bool:
        return confidence >= self.threshold


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# --- training ------------------------------------------------------------------------------------

HEAD_CHARS = 40
FEATURES = {
    # Judged on held-out splits of the Teddy messages (bench/bench_intake_heldout.py, seeds 0 and 1):
    # the opening view adds coverage at the same precision; words or trigrams did not, at 1-2.5× the time.
    "char": ({"kind": "char", "low": 1, "high": 2},),
    "char+head": (
        {"kind": "char", "low": 1, "high": 2},
        {"kind": "head", "low": 1, "high": 2, "max_chars": HEAD_CHARS},
    ),
    "char+word": ({"kind": "char", "low": 1, "high": 2}, {"kind": "word", "max_chars": 300}),
    "char+trigram": ({"kind": "char", "low": 1, "high": 2}, {"kind": "char", "low": 3, "high": 3}),
}
DEFAULT_FEATURES = "char+head"
DEFAULT_VIEWS = FEATURES[DEFAULT_FEATURES]
MIN_DF = 2
SVM_C = 1.0
CAL_C = 10.0
FOLDS = 5
# Partitions into folds that `intake-model train` averages over when it picks the threshold (see
# choose_threshold); on the Teddy messages each costs about 10 s of training.
CV_REPEATS = 5


def _fit_view(config: dict, token_lists, y: np.ndarray, n_labels: int, fold_sets, seed: int):
    """Vocabulary and IDF from all rows, one SVM on all rows, and out-of-fold margins for calibration,
    one set for each partition of the rows into folds.

    Each fold's SVM sees the vocabulary and IDF of its own training rows only: with the whole
    vocabulary, a held-out row's rare terms stay in its vector and dilute its margins, which makes
    out-of-fold confidence lower than the final model's on new messages (whose unknown terms drop out),
    and a threshold picked on it admits more on new messages than it promised.
    """
    from sklearn.svm import LinearSVC

    df: dict[str, int] = {}
    for tokens in token_lists:
        for token in set(tokens):
            df[token] = df.get(token, 0) + 1
    min_df = MIN_DF if any(count >= MIN_DF for count in df.values()) else 1
    vocabulary = sorted(t for t, count in df.items() if count >= min_df)
    n = len(token_lists)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocabulary])
    view = View(vocabulary=vocabulary, idf=idf, **config)
    counts = view.counts(token_lists)
    x = tfidf(counts, idf)
    present = counts.copy()
    present.data[:] = 1.0

    def svm():
        # Seeded: the solver visits rows in a random order, and the threshold should not move between runs.
        return LinearSVC(C=SVM_C, class_weight="balanced", max_iter=5000, random_state=seed)

    def margins_of(model, rows):
        m = np.zeros((rows.shape[0], n_labels))
        m[:, model.classes_] = _as_matrix(model.decision_function(rows), len(model.classes_))
        return m

    oofs = []
    for folds in fold_sets:
        oof = np.zeros((n, n_labels))
        for train, test in folds:
            fold_df = np.asarray(present[train].sum(axis=0)).ravel()
            fold_idf = np.where(fold_df >= min_df, np.log((1 + len(train)) / (1 + fold_df)) + 1.0, 0.0)
            fold_x = tfidf(counts, fold_idf)
            oof[test] = margins_of(svm().fit(fold_x[train], y[train]), fold_x[test])
        oofs.append(oof)
    model = svm().fit(x, y)
    coef = np.zeros((n_labels, x.shape[1]))
    intercept = np.zeros(n_labels)
    cols = _as_matrix(model.coef_, len(model.classes_))
    coef[model.classes_] = cols if cols.shape[0] == len(model.classes_) else cols.T
    intercept[model.classes_] = np.atleast_1d(model.intercept_)
    if len(model.classes_) == 2:  # a binary SVM has one hyperplane: class 1 is its positive side
        coef[model.classes_[0]] = -coef[model.classes_[1]]
        intercept[model.classes_[0]] = -intercept[model.classes_[1]]
    view.coef, view.intercept = coef, intercept
    return view, oofs


def _as_matrix(values: np.ndarray, n_classes: int) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim == 1:
        return np.column_stack([-values, values])
    if n_classes == 2 and values.shape[0] == 1:
        return np.vstack([-values, values])
    return values


def train(
    texts: list[str],
    labels: list[str],
    *,
    views=DEFAULT_VIEWS,
    seed: int = 0,
    progress=None,
    oof: bool = True,
    repeats: int = 1,
) -> Classifier:
    """Fit the views and the calibrator. Needs at least two labels with two examples each.

    With `oof`, info["oof_proba"] (repeats × messages × labels), info["oof_confidence"] and
    info["oof_correct"] (repeats × messages) hold honest out-of-fold predictions for picking a threshold
    when there is no validation set: one set for each of `repeats` partitions into folds (fold seeds
    seed, seed + 1, …), each costing one more SVM per fold and view and five more calibrator fits.
    The model itself is the same whatever `repeats` is.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    say = progress or (lambda message: None)
    names = sorted(set(labels))
    if len(names) < 2:
        raise ValueError("训练数据至少需要两个类别")
    counts = {name: labels.count(name) for name in names}
    if min(counts.values()) < 2:
        few = "、".join(n for n, c in counts.items() if c < 2)
        raise ValueError(f"每个类别至少需要 2 条训练样本，不足的类别：{few}")
    if repeats < 1:
        raise ValueError("交叉验证重复次数至少为 1")
    y = np.array([names.index(label) for label in labels])
    n_folds = min(FOLDS, min(counts.values()))
    fold_sets = [
        list(StratifiedKFold(n_folds, shuffle=True, random_state=seed + r).split(np.zeros(len(y)), y))
        for r in range(repeats if oof else 1)
    ]
    fitted, oofs = [], []
    for config in views:
        started = time.perf_counter()
        token_lists = [View(**config).tokens(t) for t in texts]
        view, view_margins = _fit_view(dict(config), token_lists, y, len(names), fold_sets, seed)
        fitted.append(view)
        oofs.append(view_margins)
        say(f"  特征 {config['kind']}:{len(view.vocabulary)} 项，用时 {time.perf_counter() - started:.1f} 秒")
    stacked = [np.hstack([view_margins[r] for view_margins in oofs]) for r in range(len(fold_sets))]
    cal = LogisticRegression(C=CAL_C, max_iter=5000).fit(stacked[0], y)
    cal_coef = np.zeros((len(names), stacked[0].shape[1]))
    cal_intercept = np.full(len(names), -1e3)
    if len(cal.classes_) == 2:
        cal_coef[cal.classes_[1]], cal_intercept[cal.classes_[1]] = cal.coef_[0], cal.intercept_[0]
        cal_coef[cal.classes_[0]], cal_intercept[cal.classes_[0]] = 0.0, 0.0
    else:
        cal_coef[cal.classes_], cal_intercept[cal.classes_] = cal.coef_, cal.intercept_
    model = Classifier(labels=names, views=fitted, cal_coef=cal_coef, cal_intercept=cal_intercept)
    if not oof:
        return model
    # Out-of-fold for the calibrator too: judged on the margins it was fitted to, it looks far surer
    # than it is (with 90 labels it simply memorises them), and a threshold picked on that would be wrong.
    repeated = []
    for folds, margins in zip(fold_sets, stacked, strict=True):
        honest = np.zeros((len(y), len(names)))
        for fit, test in folds:
            part = LogisticRegression(C=CAL_C, max_iter=5000).fit(margins[fit], y[fit])
            honest[np.ix_(test, part.classes_)] = part.predict_proba(margins[test])
        repeated.append(honest)
    proba = np.stack(repeated)  # repeats × messages × labels
    model.info["folds"] = n_folds
    model.info["repeats"] = len(repeated)
    model.info["oof_proba"] = proba
    model.info["oof_truth"] = y
    model.info["oof_confidence"] = proba.max(axis=2)
    model.info["oof_correct"] = proba.argmax(axis=2) == y
    return model


# --- the auto-dispatch threshold -----------------------------------------------------------------

LEVEL = 0.95  # one-sided confidence of the precision bounds


def precision_lower(hits, n, level: float = LEVEL):
    """One-sided Clopper-Pearson lower bound of a precision of hits/n (0 when n is 0)."""
    from scipy.stats import beta

    hits, n = np.asarray(hits, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        bound = beta.ppf(1 - level, hits, n - hits + 1)
    return np.where(hits > 0, np.nan_to_num(bound), 0.0)


def precision_upper(hits, n, level: float = LEVEL):
    """One-sided Clopper-Pearson upper bound of a precision of hits/n (1 when nothing was wrong)."""
    from scipy.stats import beta

    hits, n = np.asarray(hits, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        bound = beta.ppf(level, hits + 1, n - hits)
    return np.where(hits < n, np.nan_to_num(bound, nan=1.0), 1.0)


def _above(confidence: np.ndarray, correct: np.ndarray, cuts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hits and counts at or above each cut (cuts in descending order), averaged over the rows of
    `confidence` and `correct` (repeats × messages)."""
    hits, taken = np.zeros(len(cuts)), np.zeros(len(cuts))
    for conf, ok in zip(confidence, correct, strict=True):
        order = np.argsort(-conf, kind="stable")
        count = len(conf) - np.searchsorted(conf[order][::-1], cuts, side="left")
        cumulative = np.concatenate([[0], np.cumsum(ok[order])])
        hits += cumulative[count]
        taken += count
    return hits / len(confidence), taken / len(confidence)


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float
) -> tuple[float, float, float]:
    """The lowest confidence at which precision is still >= target with 95 % confidence: the one-sided
    Clopper-Pearson lower bound of the share of correct suggestions above it meets the target.

    Returns (threshold, coverage, precision) on the data given. A threshold includes every suggestion
    of equal confidence. `confidence` and `correct` may be repeats × messages, the out-of-fold
    predictions of the same messages under several partitions into folds: the counts above each
    candidate are then averaged over the repeats (the bound still counts each message once), so the
    threshold no longer depends on which partition happened to be drawn. If even the most confident
    suggestions cannot show the target, the threshold is above 1 and nothing is auto-dispatched.
    """
    confidence = np.atleast_2d(np.asarray(confidence, dtype=float))
    correct = np.atleast_2d(np.asarray(correct, dtype=bool))
    if confidence.size == 0:
        return math.inf, 0.0, 0.0
    cuts = np.unique(confidence)[::-1]
    hits, taken = _above(confidence, correct, cuts)
    good = precision_lower(hits, taken) >= target
    if not good.any():
        return math.inf, 0.0, 0.0
    k = int(np.nonzero(good)[0].max())
    return float(cuts[k]), float(taken[k] / confidence.shape[1]), float(hits[k] / taken[k])


def one_by_one(model: Classifier, texts: list[str]) -> np.ndarray:
    """Probabilities of each text scored alone, exactly as intake scores them (the single-text path)."""
    if not texts:
        return np.zeros((0, len(model.labels)))
    return np.vstack([model.predict_proba([text]) for text in texts])


def pick_threshold(
    model: Classifier, target: float, texts: list[str] | None = None, labels: list[str] | None = None
) -> tuple[float, float, float]:
    """Set the model's auto-dispatch threshold for `target` precision and return (threshold, coverage,
    precision). Judged on held-out texts when given, scored one at a time so the threshold holds for
    exactly the numbers intake will see; otherwise on the cross-validated predictions of training,
    averaged over its repeats."""
    if texts:
        proba = one_by_one(model, texts)
        index = {label: i for i, label in enumerate(model.labels)}
        truth = np.array([index.get(label, -1) for label in labels])
        confidence, correct = proba.max(axis=1), proba.argmax(axis=1) == truth
    else:
        if "oof_confidence" not in model.info:
            raise ValueError("没有验证数据，且模型训练时未保留交叉验证结果")
        confidence, correct = model.info["oof_confidence"], model.info["oof_correct"]
    model.threshold, coverage, precision = choose_threshold(confidence, correct, target)
    return model.threshold, coverage, precision


# --- evaluation ------------------------------------------------------------------------------------


def figures(proba: np.ndarray, truth: np.ndarray, threshold: float) -> dict:
    """Macro-F1, accuracy, top-2, and auto-dispatch coverage, precision and its lower bound at
    `threshold`, for probabilities against true label indices (-1: a label the model does not know)."""
    from sklearn.metrics import f1_score

    n, shown = len(truth), round(threshold, 4) if math.isfinite(threshold) else None
    if not n:
        return {
            "n": 0,
            "macro_f1": 0.0,
            "accuracy": 0.0,
            "top2_accuracy": 0.0,
            "threshold": shown,
            "auto_coverage": 0.0,
            "auto_precision": None,
            "auto_precision_lower_95": None,
        }
    pred, conf = proba.argmax(axis=1), proba.max(axis=1)
    top2 = np.argsort(-proba, axis=1)[:, :2]
    auto, correct = conf >= threshold, pred == truth
    f1 = f1_score(truth, pred, average="macro", labels=sorted(set(truth) | set(pred)))
    return {
        "n": n,
        "macro_f1": round(float(f1), 4),
        "accuracy": round(float(correct.mean()), 4),
        "top2_accuracy": round(float((top2 == truth[:, None]).any(axis=1).mean()), 4),
        "threshold": shown,
        "auto_coverage": round(float(auto.mean()), 4),
        "auto_precision": round(float(correct[auto].mean()), 4) if auto.any() else None,
        "auto_precision_lower_95": round(float(precision_lower(correct[auto].sum(), auto.sum())), 4)
        if auto.any()
        else None,
    }


def cross_validated(model: Classifier) -> dict:
    """The figures of the out-of-fold predictions kept by `train`: what to expect on new messages.
    Over several repeats each figure is their mean, and the auto-dispatch figures are those of the
    averaged counts, as the threshold was chosen on them."""
    proba, truth, threshold = model.info["oof_proba"], model.info["oof_truth"], model.threshold
    runs = [figures(p, truth, threshold) for p in proba]
    result = dict(runs[0])
    for key in ("macro_f1", "accuracy", "top2_accuracy"):
        result[key] = round(float(np.mean([run[key] for run in runs])), 4)
    hits, taken = _above(model.info["oof_confidence"], model.info["oof_correct"], np.array([threshold]))
    if taken[0] > 0:
        result["auto_coverage"] = round(float(taken[0] / len(truth)), 4)
        result["auto_precision"] = round(float(hits[0] / taken[0]), 4)
        result["auto_precision_lower_95"] = round(float(precision_lower(hits[0], taken[0])), 4)
    return result


def evaluate(model: Classifier, texts: list[str], labels: list[str]) -> dict:
    """Macro-F1, accuracy, top-2, auto-dispatch coverage and precision (with its 95 % lower bound) at
    the model's threshold, and speed."""
    started = time.perf_counter()
    proba = one_by_one(model, texts)
    elapsed = time.perf_counter() - started
    index = {label: i for i, label in enumerate(model.labels)}
    truth = np.array([index.get(label, -1) for label in labels], dtype=int)
    result = figures(proba, truth, model.threshold)
    result["ms_per_message"] = round(1000 * elapsed / len(texts), 3) if texts else 0.0
    result["unknown_labels"] = sorted({label for label in labels if label not in index})
    return result


# --- safe storage ----------------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return _digest(json.dumps(body, ensure_ascii=False, sort_keys=True).encode())


def save(model: Classifier, directory: Path, *, meta: dict | None = None) -> Path:
    """Write model.json (labels, vocabularies, settings, checksums) and arrays.npz (numbers only)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {"cal_coef": model.cal_coef, "cal_intercept": model.cal_intercept}
    for i, view in enumerate(model.views):
        arrays[f"v{i}_idf"], arrays[f"v{i}_coef"], arrays[f"v{i}_intercept"] = (
            view.idf,
            view.coef,
            view.intercept,
        )
    arrays_path = directory / ARRAYS
    with open(arrays_path, "wb") as fh:
        np.savez_compressed(fh, **{k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": model.labels,
        "threshold": model.threshold if math.isfinite(model.threshold) else None,
        "views": [{**view.config(), "vocabulary": view.vocabulary} for view in model.views],
        "meta": meta or {},
        "arrays_sha256": _digest(arrays_path.read_bytes()),
    }
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return directory


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ModelFileError(f"{directory} 不是分类模型目录：找不到 {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{MANIFEST} 已损坏，无法读取：{exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{MANIFEST} 不是 civicgrid 分类模型")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"模型格式版本 {manifest.get('format_version')} 不受支持（需要 {FORMAT_VERSION}）"
        )
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise ModelFileError(f"模型文件校验失败：{MANIFEST} 已被修改或损坏，拒绝加载")
    return manifest


def load(directory: Path) -> Classifier:
    """Load a model directory, refusing anything that does not check out. Never unpickles."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    arrays_path = directory / ARRAYS
    if not arrays_path.is_file():
        raise ModelFileError(f"模型目录缺少 {ARRAYS}")
    if _digest(arrays_path.read_bytes()) != manifest.get("arrays_sha256"):
        raise ModelFileError(f"模型文件校验失败：{ARRAYS} 已被修改或损坏，拒绝加载")
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError) as exc:
        raise ModelFileError(f"{ARRAYS} 无法读取：{exc}") from None
    labels = manifest.get("labels")
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) for x in labels):
        raise ModelFileError("模型的类别列表无效")
    n = len(labels)
    views = []
    for i, spec in enumerate(manifest.get("views") or []):
        if spec.get("kind") not in KINDS:
            raise ModelFileError(f"未知的文本特征类型：{spec.get('kind')}")
        vocabulary = spec.get("vocabulary")
        if not isinstance(vocabulary, list):
            raise ModelFileError("模型的词表无效")
        view = View(
            kind=spec["kind"],
            low=int(spec.get("low", 1)),
            high=int(spec.get("high", 2)),
            max_chars=int(spec.get("max_chars", 400)),
            vocabulary=vocabulary,
            idf=arrays.get(f"v{i}_idf"),
            coef=arrays.get(f"v{i}_coef"),
            intercept=arrays.get(f"v{i}_intercept"),
        )
        shapes_ok = (
            view.idf is not None
            and view.idf.shape == (len(vocabulary),)
            and view.coef is not None
            and view.coef.shape == (n, len(vocabulary))
            and view.intercept is not None
            and view.intercept.shape == (n,)
        )
        if not shapes_ok:
            raise ModelFileError(f"模型第 {i + 1} 组特征的数组尺寸与词表或类别不符")
        views.append(view)
    if not views:
        raise ModelFileError("模型没有任何特征")
    cal_coef, cal_intercept = arrays.get("cal_coef"), arrays.get("cal_intercept")
    if (
        cal_coef is None
        or cal_coef.shape != (n, n * len(views))
        or cal_intercept is None
        or cal_intercept.shape != (n,)
    ):
        raise ModelFileError("模型的置信度校准参数无效")
    for name, values in arrays.items():
        if not np.isfinite(values).all():
            raise ModelFileError(f"模型数组 {name} 含有无效数值")
    threshold = manifest.get("threshold")
    return Classifier(
        labels=labels,
        views=views,
        cal_coef=cal_coef,
        cal_intercept=cal_intercept,
        threshold=math.inf if threshold is None else float(threshold),
        info={"meta": manifest.get("meta") or {}, "directory": str(directory)},
    )
