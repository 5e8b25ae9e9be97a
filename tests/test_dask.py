"""--dask: the batch on a dask.distributed cluster gives the same outputs as locally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coach_helpers import FAST_CONFIG, fake_analyze, write_wav

from listening_coach.coach.batch import run_batch
from listening_coach.errors import ConfigError

from conftest import require_module

distributed = require_module("distributed", "pip install 'listening-coach[dask]'")  # CI: fails


@pytest.fixture(scope="module")
def cluster():
    import cloudpickle
    import coach_helpers

    cloudpickle.register_pickle_by_value(coach_helpers)  # workers need not import the tests
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as c:
        yield c
    cloudpickle.unregister_pickle_by_value(coach_helpers)


def test_dask_batch_matches_local(cluster, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for i in range(4):
        write_wav(folder / f"r{i}.wav", seconds=2.0 + i, freq_hz=200 + 30 * i)
    (folder / "bad.wav").write_bytes(b"nope")
    local = run_batch([folder], tmp_path / "local", FAST_CONFIG, jobs=1, analyze=fake_analyze)
    remote = run_batch([folder], tmp_path / "dask", FAST_CONFIG, analyze=fake_analyze,
                       dask=cluster.scheduler_address)
    assert [(i.name, i.status) for i in remote.items] == [(i.name, i.status) for i in local.items]
    assert "not a readable audio" in remote.failed[0].error
    for item in local.analysed:
        a = json.loads((tmp_path / "local" / f"{item.name}.json").read_text())
        b = json.loads((tmp_path / "dask" / f"{item.name}.json").read_text())
        assert a == b
    for name in ("recordings.csv", "exchanges.csv", "cohort.csv"):
        local_text = (tmp_path / "local" / name).read_text().replace(str(tmp_path / "local"), "")
        remote_text = (tmp_path / "dask" / name).read_text().replace(str(tmp_path / "dask"), "")
        assert local_text == remote_text
    again = run_batch([folder], tmp_path / "dask", FAST_CONFIG, analyze=fake_analyze,
                      dask=cluster.scheduler_address)
    assert len(again.skipped) == 4  # resumable on the cluster too


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "a.wav")
    with pytest.raises(ConfigError, match="Cannot reach the Dask scheduler"):
        run_batch([wav], tmp_path / "out", FAST_CONFIG, analyze=fake_analyze,
                  dask="tcp://127.0.0.1:1")
