import json

import pytest
from django.core.management import CommandError, call_command

from civicgrid.intake import classifier
from civicgrid.intake.models import IntakeModel
from tests.intake.corpus import make, write_csv


@pytest.fixture
def csvs(tmp_path):
    train = write_csv(tmp_path / "train.csv", *make(30, seed=1, noise=0.1))
    dev = write_csv(tmp_path / "dev.csv", *make(15, seed=2, noise=0.1))
    return train, dev


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("intake_model", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_train_picks_the_threshold_on_cross_validation_over_train_and_dev_and_evaluate_prints_one_json_object(
    tmp_path, csvs
):
    train, dev = csvs
    out = run(
        "train",
        "--data",
        str(train),
        "--dev",
        str(dev),
        "--target-precision",
        "0.95",
        "--out",
        str(tmp_path / "m"),
    )
    assert "自动派单阈值" in out and "95% 置信下限" in out and "模型已保存" in out
    meta = classifier.read_manifest(tmp_path / "m")["meta"]
    # Never on dev alone: all 180 labelled messages, five folds, the final model fitted on all of them.
    assert "全部 180 条" in meta["threshold_chosen_on"] and "交叉验证" in meta["threshold_chosen_on"]
    assert meta["n_train"] == 180 and "dev" not in meta
    assert meta["threshold_precision"] >= 0.95
    assert meta["threshold_precision_lower_95"] >= 0.95
    cv = meta["cv"]
    assert cv["n"] == 180 and cv["auto_coverage"] == meta["threshold_coverage"]
    assert cv["auto_precision_lower_95"] == meta["threshold_precision_lower_95"] <= cv["auto_precision"]

    result = json.loads(
        run("evaluate", "--model", str(tmp_path / "m"), "--data", str(dev), "--format", "json")
    )
    for key in (
        "macro_f1",
        "accuracy",
        "top2_accuracy",
        "threshold",
        "auto_coverage",
        "auto_precision",
        "auto_precision_lower_95",
        "ms_per_message",
        "n",
        "unknown_labels",
    ):
        assert key in result
    assert result["n"] == 60
    assert result["threshold"] == cv["threshold"]
    assert result["auto_precision"] >= 0.95  # dev was trained on: easy, and no promise
    assert result["auto_precision_lower_95"] <= result["auto_precision"]
    table = run("evaluate", "--model", str(tmp_path / "m"), "--data", str(dev))
    assert "准确率95%置信下限" in table and "自动派单覆盖率" in table


def test_train_repeats_the_cross_validation_as_asked(tmp_path, csvs):
    train, dev = csvs
    out = run(
        "train", "--data", str(train), "--dev", str(dev), "--cv-repeats", "2", "--out", str(tmp_path / "m")
    )
    assert "重复 2 次" in out
    meta = classifier.read_manifest(tmp_path / "m")["meta"]
    assert meta["cv_repeats"] == 2 and "重复 2 次" in meta["threshold_chosen_on"]
    run("train", "--data", str(train), "--out", str(tmp_path / "d"))
    assert classifier.read_manifest(tmp_path / "d")["meta"]["cv_repeats"] == classifier.CV_REPEATS
    with pytest.raises(CommandError, match="--cv-repeats 须在 1 与 20 之间"):
        run("train", "--data", str(train), "--cv-repeats", "0", "--out", str(tmp_path / "n"))
    assert not (tmp_path / "n").exists()


def test_train_reads_the_whole_text_and_its_opening_unless_told_otherwise(tmp_path, csvs):
    train, _ = csvs
    run("train", "--data", str(train), "--cv-repeats", "1", "--out", str(tmp_path / "m"))
    manifest = classifier.read_manifest(tmp_path / "m")
    assert manifest["meta"]["features"] == "char+head"
    assert [view["kind"] for view in manifest["views"]] == ["char", "head"]
    run(
        "train", "--data", str(train), "--cv-repeats", "1", "--features", "char", "--out", str(tmp_path / "c")
    )
    manifest = classifier.read_manifest(tmp_path / "c")
    assert manifest["meta"]["features"] == "char" and [view["kind"] for view in manifest["views"]] == ["char"]


def test_train_without_dev_uses_cross_validation(tmp_path, csvs):
    train, _ = csvs
    run("train", "--data", str(train), "--out", str(tmp_path / "m"))
    assert "交叉验证" in classifier.read_manifest(tmp_path / "m")["meta"]["threshold_chosen_on"]


def test_custom_columns_and_clear_errors(tmp_path):
    texts, labels = make(10, seed=4)
    data = write_csv(tmp_path / "x.csv", texts, labels, text_col="内容", label_col="类别")
    run(
        "train",
        "--data",
        str(data),
        "--text-col",
        "内容",
        "--label-col",
        "类别",
        "--out",
        str(tmp_path / "m"),
    )
    with pytest.raises(CommandError, match="没有文本列「text」"):
        run("train", "--data", str(data), "--out", str(tmp_path / "n"))
    with pytest.raises(CommandError, match="找不到文件"):
        run("train", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "n"))
    (tmp_path / "gbk.csv").write_bytes("text,label\n楼上漏水,a\n".encode("gbk"))
    with pytest.raises(CommandError, match="--encoding"):
        run("train", "--data", str(tmp_path / "gbk.csv"), "--out", str(tmp_path / "n"))
    assert not (tmp_path / "n").exists()


def test_evaluate_refuses_a_tampered_model(tmp_path, csvs):
    train, dev = csvs
    run("train", "--data", str(train), "--out", str(tmp_path / "m"))
    arrays = tmp_path / "m" / classifier.ARRAYS
    arrays.write_bytes(arrays.read_bytes() + b"x")
    with pytest.raises(CommandError, match="校验失败"):
        run("evaluate", "--model", str(tmp_path / "m"), "--data", str(dev))


def test_register_activate_and_auto_dispatch(db, tmp_path, csvs, settings):
    settings.DATA_DIR = tmp_path / "data"
    train, dev = csvs
    run("train", "--data", str(train), "--dev", str(dev), "--out", str(tmp_path / "m"))
    out = run("register", str(tmp_path / "m"), "--name", "m1", "--activate", "--map", "9001=0101")
    assert "已登记模型 m1，已启用" in out
    row = IntakeModel.objects.get(name="m1")
    assert row.is_active and not row.auto_dispatch
    assert (tmp_path / "data" / "intake-models" / "m1" / classifier.MANIFEST).exists()
    run("auto-dispatch", "m1", "on", "--threshold", "0.9")
    row.refresh_from_db()
    assert row.auto_dispatch and row.threshold == 0.9
    with pytest.raises(CommandError, match="阈值须在 0 到 1 之间"):
        run("auto-dispatch", "m1", "on", "--threshold", "1.5")
    with pytest.raises(CommandError, match="没有名为 nope 的模型"):
        run("activate", "nope")
    with pytest.raises(CommandError, match="模型中没有这些类别"):
        run("register", str(tmp_path / "m"), "--name", "m2", "--map", "9999=0101")
    assert "m1" in run("list")
