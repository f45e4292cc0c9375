import pytest

from civicgrid.intake import classifier, runtime, services
from tests.intake.corpus import make
from tests.tickets.conftest import world  # noqa: F401  (the shared small jurisdiction)


@pytest.fixture(autouse=True)
def _no_loaded_model():
    runtime.invalidate()
    yield
    runtime.invalidate()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    """A model trained on the generated corpus, labels = the world's category codes (9001-9004)."""
    texts, labels = make(40, seed=1, noise=0.1)
    model = classifier.train(texts, labels)
    model.threshold = 0.6
    return classifier.save(model, tmp_path_factory.mktemp("model") / "m")


@pytest.fixture
def active_model(world, model_dir, settings, tmp_path):  # noqa: F811
    settings.DATA_DIR = tmp_path / "data"
    return services.model_register(
        source=model_dir, name="test-model", activate=True, auto_dispatch=False, category_version="test"
    )
