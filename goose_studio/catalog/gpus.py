"""The NVIDIA GPUs of this machine, read through NVML (``nvidia-ml-py``): one quick call, never raises.

:func:`gpu_status` returns every GPU's name, memory (total, free, used), utilisation and temperature, with
the driver and CUDA versions. Without an NVIDIA driver (``NVMLError_LibraryNotFound``), without GPUs or
on any NVML error it returns an empty list and says why in ``reason``. It is cheap enough to poll during
training (a few milliseconds); each call opens and closes NVML.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

GIB = 2**30


class GpuInfo(BaseModel):
    index: int
    name: str
    memory_total_gib: float
    memory_free_gib: float
    memory_used_gib: float
    utilization_percent: int | None = Field(None, description="GPU busy time over the last sample period.")
    memory_utilization_percent: int | None = None
    temperature_c: int | None = None


class GpuStatus(BaseModel):
    gpus: list[GpuInfo] = Field(default_factory=list)
    driver: str | None = None
    cuda: str | None = Field(None, description="Highest CUDA version the driver supports, e.g. '12.4'.")
    reason: str | None = Field(None, description="Why the list is empty, for people.")
    cause: Literal["not_installed", "no_driver", "no_gpu", "nvml_error"] | None = Field(
        None, description="Why the list is empty, for code.")

    @property
    def best(self) -> GpuInfo | None:
        """The GPU with the most free memory."""
        return max(self.gpus, key=lambda g: g.memory_free_gib, default=None)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _maybe(call: Any, *args: Any) -> Any:
    """An NVML query a GPU may not support (utilisation, temperature on some boards): None then."""
    import pynvml

    try:
        return call(*args)
    except pynvml.NVMLError:
        return None


def _cuda_version(raw: int | None) -> str | None:
    return None if not raw else f"{raw // 1000}.{(raw % 1000) // 10}"


def gpu_status() -> GpuStatus:
    """The GPUs NVML sees, or an empty list with the reason."""
    try:
        import pynvml
    except ImportError:
        return GpuStatus(cause="not_installed", reason="nvidia-ml-py is not installed, so GPUs cannot be listed")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_LibraryNotFound:
        return GpuStatus(cause="no_driver", reason="no NVIDIA driver on this machine (the NVML library is not found)")
    except pynvml.NVMLError as exc:
        return GpuStatus(cause="nvml_error", reason=f"NVML could not start: {_text(exc)}")
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        cuda = _cuda_version(_maybe(pynvml.nvmlSystemGetCudaDriverVersion))
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            rates = _maybe(pynvml.nvmlDeviceGetUtilizationRates, handle)
            temperature = _maybe(pynvml.nvmlDeviceGetTemperature, handle, pynvml.NVML_TEMPERATURE_GPU)
            gpus.append(GpuInfo(
                index=index, name=_text(pynvml.nvmlDeviceGetName(handle)),
                memory_total_gib=round(memory.total / GIB, 2), memory_free_gib=round(memory.free / GIB, 2),
                memory_used_gib=round(memory.used / GIB, 2),
                utilization_percent=None if rates is None else int(rates.gpu),
                memory_utilization_percent=None if rates is None else int(rates.memory),
                temperature_c=None if temperature is None else int(temperature)))
    except pynvml.NVMLError as exc:
        return GpuStatus(cause="nvml_error", reason=f"NVML error while reading the GPUs: {_text(exc)}")
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass
    if not gpus:
        return GpuStatus(driver=driver, cuda=cuda, cause="no_gpu", reason="the NVIDIA driver reports no GPU")
    return GpuStatus(gpus=gpus, driver=driver, cuda=cuda)
