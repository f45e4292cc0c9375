import json
import math

import numpy as np
import pytest
from scipy.stats import beta

from civicgrid.intake import classifier
from tests.intake.corpus import make


@pytest.fixture(scope="module")
def trained():
    texts, labels = make(40, seed=1, noise=0.2)
    return classifier.train(texts, labels)


def test_a_trained_model_separates_the_generated_kinds(trained):
    texts, labels = make(10, seed=2)
    result = classifier.evaluate(trained, texts, labels)
    assert result["n"] == 40
    assert result["accuracy"] >= 0.95
    assert result["macro_f1"] >= 0.95
    assert result["top2_accuracy"] >= result["accuracy"]
    assert result["ms_per_message"] > 0


def test_confidence_is_a_probability_and_follows_the_evidence(trained):
    clear = trained.top("楼顶违建加盖铁皮房,违章扩建", k=4)
    assert clear[0][0] == "9002"
    assert abs(sum(p for _, p in clear) - 1) < 1e-9
    mixed = trained.top("楼顶违建加盖,工地夜间施工噪音", k=2)
    assert mixed[0][1] < clear[0][1]


def test_normalise_folds_place_codes_numbers_and_punctuation():
    assert classifier.normalise("Ｅ12市A3区，2019年8月！") == "#市#区 0年0月"


def test_choose_threshold_takes_the_largest_share_whose_lower_bound_meets_the_target():
    # n right out of n has a one-sided 95 % lower bound of 0.05 ** (1 / n): 98 % needs n >= 149.
    confidence = np.linspace(0.999, 0.5, 300)
    correct = np.zeros(300, dtype=bool)
    correct[:149] = True
    threshold, coverage, precision = classifier.choose_threshold(confidence, correct, 0.98)
    assert threshold == confidence[148] and coverage == pytest.approx(149 / 300) and precision == 1.0
    correct[148] = False  # 148 in a row is not enough evidence, and more only adds mistakes
    threshold, coverage, _ = classifier.choose_threshold(confidence, correct, 0.98)
    assert math.isinf(threshold) and coverage == 0.0


def test_choose_threshold_is_stricter_than_the_point_estimate():
    # 400 right, then one mistake in every 40: at least 98.5 % precise at every cut, which a point
    # estimate would take whole; the bound stops where the evidence for 98 % runs out.
    confidence = np.linspace(0.999, 0.5, 1000)
    correct = (np.arange(1000) < 400) | (np.arange(1000) % 40 != 20)
    assert (np.cumsum(correct) / np.arange(1, 1001)).min() >= 0.98
    threshold, coverage, precision = classifier.choose_threshold(confidence, correct, 0.98)
    hits, taken = np.cumsum(correct), np.arange(1, 1001)
    lower = beta.ppf(0.05, hits, taken - hits + 1)
    k = np.nonzero(lower >= 0.98)[0].max()
    assert threshold == confidence[k] and coverage == pytest.approx((k + 1) / 1000) and coverage < 1
    assert precision == pytest.approx(hits[k] / (k + 1)) and precision > 0.98
    assert float(classifier.precision_lower(hits[k], k + 1)) == pytest.approx(lower[k])


def test_choose_threshold_over_repeats_averages_the_counts_above_each_cut():
    confidence = np.linspace(0.999, 0.5, 1000)
    correct = (np.arange(1000) < 400) | (np.arange(1000) % 40 != 20)
    alone = classifier.choose_threshold(confidence, correct, 0.98)
    # The same predictions twice are the same evidence, not twice as much.
    assert classifier.choose_threshold(np.vstack([confidence] * 2), np.vstack([correct] * 2), 0.98) == alone
    # A second partition that put one more mistake high up: the counts are averaged, the bound still
    # counts each message once, so the threshold lies between the two partitions' own.
    worse = correct.copy()
    worse[[150, 300]] = False
    own = classifier.choose_threshold(confidence, worse, 0.98)
    threshold, coverage, precision = classifier.choose_threshold(
        np.vstack([confidence, confidence]), np.vstack([correct, worse]), 0.98
    )
    assert alone[0] <= threshold <= own[0] and alone[0] < own[0]
    k = int(np.nonzero(confidence == threshold)[0][0])
    hits = (np.cumsum(correct)[k] + np.cumsum(worse)[k]) / 2
    assert coverage == pytest.approx((k + 1) / 1000) and precision == pytest.approx(hits / (k + 1))
    assert float(classifier.precision_lower(hits, k + 1)) >= 0.98


def test_precision_bounds_are_clopper_pearson_and_safe_at_the_edges():
    assert float(classifier.precision_lower(10, 10)) == pytest.approx(0.05 ** (1 / 10))
    assert float(classifier.precision_upper(0, 10)) == pytest.approx(1 - 0.05 ** (1 / 10))
    assert float(classifier.precision_lower(0, 10)) == 0.0
    assert float(classifier.precision_upper(10, 10)) == 1.0
    assert float(classifier.precision_upper(196, 200)) == pytest.approx(beta.ppf(0.95, 197, 4))
    assert float(classifier.precision_lower(0, 0)) == 0.0 and float(classifier.precision_upper(0, 0)) == 1.0


def test_choose_threshold_never_splits_equal_confidences():
    confidence = np.array([0.9, 0.9, 0.9, 0.5])
    correct = np.array([True, True, False, True])
    # The first two alone would be 100 % precise, but a threshold of 0.9 takes all three.
    threshold, coverage, precision = classifier.choose_threshold(confidence, correct, 0.9)
    assert math.isinf(threshold) and coverage == 0.0


def test_save_and_load_round_trip(tmp_path, trained):
    trained.threshold = 0.9
    classifier.save(trained, tmp_path / "m", meta={"note": "测试"})
    loaded = classifier.load(tmp_path / "m")
    assert loaded.labels == trained.labels and loaded.threshold == 0.9
    assert loaded.info["meta"] == {"note": "测试"}
    text = "电梯坏了物业不管,停车位被占"
    assert np.allclose(loaded.predict_proba([text]), trained.predict_proba([text]))
    # The single-text fast path and the batch path agree.
    assert np.allclose(loaded.predict_proba([text]), loaded.predict_proba([text, "凌晨工地打桩"])[:1])


def test_a_model_file_is_never_unpickled(tmp_path, trained):
    classifier.save(trained, tmp_path / "m")
    with np.load(tmp_path / "m" / classifier.ARRAYS, allow_pickle=False) as npz:
        assert all(npz[k].dtype == np.float64 for k in npz.files)


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda d: _edit_manifest(d, threshold=0.01), "model.json 已被修改"),
        (
            lambda d: (d / classifier.ARRAYS).write_bytes(
                (d / classifier.ARRAYS).read_bytes()[:-10] + b"0" * 10
            ),
            "arrays.npz 已被修改",
        ),
        (lambda d: (d / classifier.MANIFEST).write_text("{not json", encoding="utf-8"), "已损坏"),
        (lambda d: (d / classifier.ARRAYS).unlink(), "缺少 arrays.npz"),
        (lambda d: (d / classifier.MANIFEST).unlink(), "找不到 model.json"),
    ],
)
def test_a_tampered_or_damaged_model_is_refused_with_a_clear_error(tmp_path, trained, tamper, message):
    directory = classifier.save(trained, tmp_path / "m")
    tamper(directory)
    with pytest.raises(classifier.ModelFileError, match=message):
        classifier.load(directory)


def test_a_pickle_smuggled_in_place_of_the_arrays_is_refused(tmp_path, trained):
    import pickle

    directory = classifier.save(trained, tmp_path / "m")
    payload = pickle.dumps({"cal_coef": np.zeros(3)})
    (directory / classifier.ARRAYS).write_bytes(payload)
    _edit_manifest(directory, recompute=True, arrays_sha256=classifier._digest(payload))
    with pytest.raises(classifier.ModelFileError, match="无法读取"):
        classifier.load(directory)


def _edit_manifest(directory, recompute=False, **changes):
    path = directory / classifier.MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    if recompute:
        manifest["manifest_sha256"] = classifier._manifest_digest(manifest)
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_training_needs_two_examples_of_two_kinds():
    with pytest.raises(ValueError, match="至少需要两个类别"):
        classifier.train(["一", "二"], ["a", "a"])
    with pytest.raises(ValueError, match="不足的类别：b"):
        classifier.train(["楼上漏水", "楼上渗水", "工地噪音"], ["a", "a", "b"])


def test_the_word_view_trains_and_reloads(tmp_path):
    texts, labels = make(15, seed=3)
    model = classifier.train(texts, labels, views=classifier.FEATURES["char+word"])
    loaded = classifier.load(classifier.save(model, tmp_path / "w"))
    assert [v.kind for v in loaded.views] == ["char", "word"]
    assert loaded.top("夜间工地打桩噪音")[0][0] == "9004"


def test_the_head_view_reads_only_the_opening_of_the_text():
    view = classifier.View(kind="head", low=1, high=2, max_chars=7)
    assert view.tokens("楼上漏水,物业不管工地夜间施工噪音") == classifier.char_ngrams("楼上漏水,物业", 1, 2)
    assert "噪音" not in view.tokens("楼上漏水,物业不管工地夜间施工噪音")


def test_the_default_model_reads_the_whole_text_and_its_opening_and_reloads(tmp_path, trained):
    assert (
        classifier.DEFAULT_VIEWS
        == classifier.FEATURES[classifier.DEFAULT_FEATURES]
        == classifier.FEATURES["char+head"]
    )
    assert [(v.kind, v.max_chars) for v in trained.views] == [("char", 400), ("head", classifier.HEAD_CHARS)]
    # The calibrator weighs both views' margins.
    assert trained.cal_coef.shape == (len(trained.labels), 2 * len(trained.labels))
    loaded = classifier.load(classifier.save(trained, tmp_path / "h"))
    assert [(v.kind, v.max_chars) for v in loaded.views] == [("char", 400), ("head", classifier.HEAD_CHARS)]
    text = "楼顶违建加盖铁皮房。" + "小区物业电梯停车" * 10
    assert np.allclose(loaded.predict_proba([text]), trained.predict_proba([text]))
    # The opening's view alone sees only the opening.
    head = loaded.views[1]
    assert np.allclose(head.margins([head.tokens(text)]), head.margins([head.tokens(text[:40])]))
    assert loaded.top("楼顶违建加盖铁皮房")[0][0] == "9002"


def test_a_single_view_model_still_trains_and_loads(tmp_path):
    texts, labels = make(15, seed=3)
    model = classifier.train(texts, labels, views=classifier.FEATURES["char"], oof=False)
    loaded = classifier.load(classifier.save(model, tmp_path / "c"))
    assert [v.kind for v in loaded.views] == ["char"] and loaded.cal_coef.shape == (4, 4)
    assert loaded.top("楼顶违建加盖铁皮房")[0][0] == "9002"


def test_out_of_fold_confidence_does_not_flatter_a_model_that_learnt_nothing():
    # Labels unrelated to the text: honest out-of-fold predictions are right about one time in ten,
    # so no threshold reaches 98 % and nothing would be dispatched automatically.
    texts, _ = make(30, seed=5)
    labels = [f"L{i % 10}" for i in range(len(texts))]
    model = classifier.train(texts, labels)
    assert model.info["oof_correct"].mean() < 0.3
    threshold, coverage, _ = classifier.choose_threshold(
        model.info["oof_confidence"], model.info["oof_correct"], 0.98
    )
    assert coverage < 0.05


def test_cross_validated_figures_are_those_of_the_out_of_fold_predictions():
    texts, labels = make(40, seed=1, noise=0.2)
    model = classifier.train(texts, labels)
    threshold, coverage, precision = classifier.pick_threshold(model, 0.9)
    cv = classifier.cross_validated(model)
    assert cv["n"] == len(texts) and model.info["folds"] == 5
    assert cv["accuracy"] == pytest.approx(model.info["oof_correct"].mean(), abs=1e-4)
    assert cv["threshold"] == pytest.approx(threshold, abs=1e-4)
    assert cv["auto_coverage"] == pytest.approx(coverage, abs=1e-4)
    assert cv["auto_precision"] == pytest.approx(precision, abs=1e-4)
    assert 0.9 <= cv["auto_precision_lower_95"] <= cv["auto_precision"]
    # In-sample the same model looks better than out of fold: the honest figure is the lower one.
    assert classifier.evaluate(model, texts, labels)["accuracy"] >= cv["accuracy"]


def test_a_term_with_zero_idf_is_left_out_as_if_unknown():
    # How each fold's SVM sees only the vocabulary of its own training rows.
    import scipy.sparse as sp

    counts = sp.csr_matrix(np.array([[2.0, 1.0, 3.0], [0.0, 1.0, 1.0]]))
    masked = classifier.tfidf(counts, np.array([1.5, 0.0, 1.2])).toarray()
    without = classifier.tfidf(sp.csr_matrix(counts.toarray()[:, [0, 2]]), np.array([1.5, 1.2])).toarray()
    assert np.allclose(masked[:, [0, 2]], without) and (masked[:, 1] == 0).all()
    assert np.allclose(np.linalg.norm(masked, axis=1), 1.0)


def test_training_is_repeatable_with_the_same_seed():
    texts, labels = make(30, seed=6, noise=0.2)
    first, second = classifier.train(texts, labels, seed=3), classifier.train(texts, labels, seed=3)
    assert np.array_equal(first.views[0].coef, second.views[0].coef)
    assert np.array_equal(first.info["oof_confidence"], second.info["oof_confidence"])


def test_repeated_cross_validation_keeps_the_model_and_steadies_the_threshold():
    texts, labels = make(30, seed=7, noise=0.25)
    once, thrice = classifier.train(texts, labels, seed=2), classifier.train(texts, labels, seed=2, repeats=3)
    # The model is the same; only the out-of-fold evidence grows, one partition per repeat.
    assert np.array_equal(once.views[0].coef, thrice.views[0].coef)
    assert np.array_equal(once.cal_coef, thrice.cal_coef)
    assert once.info["oof_proba"].shape == (1, len(texts), 4) and thrice.info["repeats"] == 3
    assert thrice.info["oof_proba"].shape == (3, len(texts), 4)
    assert np.array_equal(thrice.info["oof_proba"][0], once.info["oof_proba"][0])
    assert not np.array_equal(thrice.info["oof_proba"][1], thrice.info["oof_proba"][0])
    threshold, coverage, precision = classifier.pick_threshold(thrice, 0.9)
    cv = classifier.cross_validated(thrice)
    assert cv["auto_coverage"] == pytest.approx(coverage, abs=1e-4)
    assert cv["auto_precision"] == pytest.approx(precision, abs=1e-4)
    assert cv["accuracy"] == pytest.approx(thrice.info["oof_correct"].mean(), abs=1e-4)
    assert 0.9 <= cv["auto_precision_lower_95"] <= cv["auto_precision"]
    with pytest.raises(ValueError, match="重复次数"):
        classifier.train(texts, labels, repeats=0)
