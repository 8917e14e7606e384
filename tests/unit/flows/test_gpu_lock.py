import pytest

from synthaug.flows.gpu_lock import GPU_LIMIT, gpu_slot


def active_slots() -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_global_concurrency_limit_by_name(GPU_LIMIT).active_slots


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_cuda_training_holds_the_one_gpu_slot_so_a_second_job_waits():
    with gpu_slot("cuda"):
        assert active_slots() == 1
        with pytest.raises(TimeoutError), gpu_slot("cuda", timeout_seconds=2):
            pytest.fail("a second job got the GPU while the first held it")
    assert active_slots() == 0


def test_cpu_training_takes_no_slot(monkeypatch):
    def no_slot_for_cpu(*args, **kwargs):
        raise AssertionError("a CPU job asked for a GPU slot")

    monkeypatch.setattr("synthaug.flows.gpu_lock.concurrency", no_slot_for_cpu)
    monkeypatch.setattr("synthaug.flows.gpu_lock.ensure_limit", no_slot_for_cpu)
    for device in ("cpu", "mps"):
        with gpu_slot(device):
            pass  # CPU jobs never wait for each other
