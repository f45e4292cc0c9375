"""A demo category classifier, trained on generated requests so the demo city's intake has suggestions.

The demo has no real messages to learn from (those are never shipped), so it writes its own from the
same templates the ticket simulation uses, with a different random stream, and trains on them.
"""

import random
import tempfile
import time
from pathlib import Path

import numpy as np

from civicgrid.demo import names, texts
from civicgrid.intake import classifier, services
from civicgrid.intake.models import IntakeModel
from civicgrid.registry.models import Place
from civicgrid.routing.models import Category

MODEL_NAME = "demo-2026.1"
PER_CATEGORY = 24
TARGET_PRECISION = 0.98


def _text(rng: random.Random, category: Category, place: Place) -> str:
    keywords = [k for k in category.keywords.replace(",", ",").split(",") if k] or [category.name]
    fill = dict(
        place=place.name,
        road=rng.choice(names.ROADS),
        kw=rng.choice(keywords),
        name=category.name,
        when=rng.choice(texts.WHEN),
        dur=rng.choice(texts.DURATION),
        closer=rng.choice(texts.CLOSERS),
    )
    if rng.random() < texts.VAGUE_SHARE:
        return rng.choice(texts.VAGUE_TITLES).format(**fill) + "\n" + rng.choice(texts.VAGUE).format(**fill)
    pool = texts.GENERIC + texts.BY_ROOT.get(category.code[:2], [])
    return rng.choice(texts.TITLES).format(**fill) + "\n" + rng.choice(pool).format(**fill)


def leaf_categories(version: str = "2026.1") -> list[Category]:
    return [
        c
        for c in Category.objects.filter(version=version, is_active=True).prefetch_related("children")
        if not c.children.exists()
    ]


def train_demo_model(*, seed: int = 2026, auto_dispatch: bool = True, log=print) -> IntakeModel | None:
    """Train, register and activate the demo model once; later runs keep the one they find."""
    existing = IntakeModel.objects.filter(name=MODEL_NAME).first()
    if existing is not None:
        return existing
    places = list(Place.objects.filter(grid__isnull=False)[:200])
    categories = leaf_categories()
    if not places or not categories:
        return None
    rng = random.Random(seed + 7)
    data, labels = [], []
    for category in categories:
        for _ in range(PER_CATEGORY):
            data.append(_text(rng, category, rng.choice(places)))
            labels.append(category.code)
    # A separate validation set, as `intake-model train --dev` would use: the threshold is picked on
    # texts the model has not seen.
    dev, dev_labels = [], []
    for category in categories:
        for _ in range(PER_CATEGORY // 2):
            dev.append(_text(rng, category, rng.choice(places)))
            dev_labels.append(category.code)
    started = time.monotonic()
    model = classifier.train(data, labels, seed=seed, oof=False)
    proba = np.vstack([model.predict_proba([text]) for text in dev])
    truth = np.array([model.labels.index(label) for label in dev_labels])
    correct = proba.argmax(axis=1) == truth
    threshold, coverage, precision = classifier.choose_threshold(proba.max(axis=1), correct, TARGET_PRECISION)
    model.threshold = threshold
    accuracy = float(np.mean(correct))
    meta = {
        "data": "示范城市生成文本",
        "n_train": len(data),
        "features": "char",
        "target_precision": TARGET_PRECISION,
        "threshold_chosen_on": f"生成的验证文本({len(dev)} 条)",
        "threshold_coverage": round(coverage, 4),
        "threshold_precision": round(precision, 4),
        "dev": classifier.evaluate(model, dev, dev_labels),
    }
    with tempfile.TemporaryDirectory() as tmp:
        classifier.save(model, Path(tmp) / "model", meta=meta)
        row = services.model_register(
            source=Path(tmp) / "model", name=MODEL_NAME, activate=True, auto_dispatch=auto_dispatch
        )
    log(
        f"分类模型 {MODEL_NAME}:{len(categories)} 类,{len(data)} 条生成文本,用时 {time.monotonic() - started:.0f} 秒;"
        f"验证准确率 {accuracy:.1%},阈值 {threshold:.3f} 以上覆盖 {coverage:.0%}"
        + (",已开启自动派单" if auto_dispatch else "")
    )
    return row
