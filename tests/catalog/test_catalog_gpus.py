"""GPU status through NVML: this machine as it is, and boards NVML describes (its functions stood in for)."""

from types import SimpleNamespace

import pynvml
import pytest

from goose_studio.catalog import gpu_status
from goose_studio.catalog.gpus import GIB


def test_this_machine_reports_its_gpus_or_why_there_are_none():
    status = gpu_status()
    if status.gpus:
        assert status.reason is None and status.cause is None and status.driver
        assert all(g.memory_total_gib > 0 for g in status.gpus)
    else:
        assert status.reason and status.cause in ("no_driver", "no_gpu", "nvml_error") and status.best is None


class FakeNvml:
    """Two boards: a 3090 Ti that answers everything, a card without utilisation or temperature sensors."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, boards: list[dict], fail_count: bool = False) -> None:
        self.opened = self.closed = 0
        self.boards = boards
        m = monkeypatch
        m.setattr(pynvml, "nvmlInit", self.init)
        m.setattr(pynvml, "nvmlShutdown", self.shutdown)
        m.setattr(pynvml, "nvmlSystemGetDriverVersion", lambda: b"550.54.14")
        m.setattr(pynvml, "nvmlSystemGetCudaDriverVersion", lambda: 12040)
        m.setattr(pynvml, "nvmlDeviceGetCount", self.count if not fail_count else self.unknown)
        m.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda i: self.boards[i])
        m.setattr(pynvml, "nvmlDeviceGetName", lambda h: h["name"])
        m.setattr(pynvml, "nvmlDeviceGetMemoryInfo", lambda h: SimpleNamespace(**h["memory"]))
        m.setattr(pynvml, "nvmlDeviceGetUtilizationRates", self.rates)
        m.setattr(pynvml, "nvmlDeviceGetTemperature", self.temperature)

    def init(self):
        self.opened += 1

    def shutdown(self):
        self.closed += 1

    def count(self):
        return len(self.boards)

    def unknown(self):
        raise pynvml.NVMLError(pynvml.NVML_ERROR_UNKNOWN)

    def rates(self, handle):
        if "gpu" not in handle:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return SimpleNamespace(gpu=handle["gpu"], memory=handle["mem_util"])

    def temperature(self, handle, sensor):
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        if "temp" not in handle:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)
        return handle["temp"]


BOARDS = [
    {"name": "NVIDIA GeForce RTX 3090 Ti", "memory": {"total": 24 * GIB, "free": 23 * GIB, "used": 1 * GIB},
     "gpu": 37, "mem_util": 12, "temp": 72},
    {"name": b"NVIDIA GeForce RTX 3060 Ti", "memory": {"total": 8 * GIB, "free": 7.5 * GIB, "used": 0.5 * GIB}},
]


def test_gpus_are_read_with_memory_utilisation_temperature_and_versions(monkeypatch):
    fake = FakeNvml(monkeypatch, BOARDS)
    status = gpu_status()
    assert status.cause is None and status.driver == "550.54.14" and status.cuda == "12.4"
    big, small = status.gpus
    assert (big.index, big.name, big.memory_total_gib, big.memory_free_gib, big.memory_used_gib) == (
        0, "NVIDIA GeForce RTX 3090 Ti", 24.0, 23.0, 1.0)
    assert (big.utilization_percent, big.memory_utilization_percent, big.temperature_c) == (37, 12, 72)
    assert small.name == "NVIDIA GeForce RTX 3060 Ti"
    assert small.utilization_percent is None and small.temperature_c is None
    assert status.best is big
    assert fake.opened == fake.closed == 1


def test_an_nvml_error_while_reading_is_a_reason_not_an_exception(monkeypatch):
    fake = FakeNvml(monkeypatch, BOARDS, fail_count=True)
    status = gpu_status()
    assert status.gpus == [] and status.cause == "nvml_error" and status.reason
    assert fake.closed == 1


def test_a_driver_without_gpus_says_so(monkeypatch):
    FakeNvml(monkeypatch, [])
    status = gpu_status()
    assert status.gpus == [] and status.driver == "550.54.14" and status.cause == "no_gpu"


def test_no_driver_library_is_an_empty_list_with_the_reason(monkeypatch):
    def missing():
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", missing)
    status = gpu_status()
    assert status.gpus == [] and status.cause == "no_driver" and status.reason
