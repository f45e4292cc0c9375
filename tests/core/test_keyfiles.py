import stat
from concurrent.futures import ProcessPoolExecutor

from civicgrid.core.keyfiles import read_or_create


def test_a_missing_secret_is_made_private_and_then_read_back(tmp_path):
    path = tmp_path / "id_key"
    first = read_or_create(path, 48)
    assert len(first) >= 48
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create(path, 48) == first
    assert [p.name for p in tmp_path.iterdir()] == ["id_key"]  # nothing left aside


def test_processes_starting_together_read_one_secret(tmp_path):
    path = tmp_path / "secret_key"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = set(pool.map(read_or_create, [path] * 12, [50] * 12))
    assert keys == {path.read_text().strip()}
