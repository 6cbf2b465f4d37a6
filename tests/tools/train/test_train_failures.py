"""The trainer's failures typed from what torch, CUDA, bitsandbytes, Unsloth and the kernel really print."""
import pytest

from goose_studio.agents.remedies import matches, repairs
from goose_studio.errors import Failure, FailureKind
from goose_studio.tools.train import classify_failure

OOM_CUDA = ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of "
            "23.64 GiB of which 1.12 GiB is free. Including non-PyTorch memory, this process has 22.50 GiB memory "
            "in use. Of the allocated memory 21.80 GiB is allocated by PyTorch")
OOM_CPU = ("RuntimeError: DefaultCPUAllocator: can't allocate memory: you tried to allocate 4294967296 bytes. "
           "Error code 12 (Cannot allocate memory)")
ILLEGAL = ("RuntimeError: CUDA error: an illegal memory access was encountered\nCUDA kernel errors might be "
           "asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
           "For debugging consider passing CUDA_LAUNCH_BLOCKING=1")
ASSERT = "RuntimeError: CUDA error: device-side assert triggered\nCompile with `TORCH_USE_CUDA_DSA` to enable device-side assertions."
NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device"
NCCL = ("torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, "
        "unhandled cuda error (run with NCCL_DEBUG=INFO for details), NCCL version 2.19.3")
CUBLAS_ALLOC = "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"
CUBLAS_EXEC = ("RuntimeError: CUDA error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasGemmEx( handle, opa, "
               "opb, m, n, k, &falpha, a, CUDA_R_16BF, lda, b, CUDA_R_16BF, ldb, &fbeta, c, CUDA_R_16BF, ldc, "
               "CUDA_R_32F, CUBLAS_GEMM_DEFAULT_TENSOR_OP)`")
CUDNN = "RuntimeError: cuDNN error: CUDNN_STATUS_NOT_INITIALIZED"
ECC = "RuntimeError: CUDA error: uncorrectable ECC error encountered"
NO_DRIVER = ("RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and "
             "installed a driver from http://www.nvidia.com/Download/index.aspx")
NOT_COMPILED = "AssertionError: Torch not compiled with CUDA enabled"
DISK = "OSError: [Errno 28] No space left on device: '/data/output/run/checkpoint-40/optimizer.pt'"
TORCH_SAVE_DISK = ("RuntimeError: [enforce fail at inline_container.cc:603] . unexpected pos 1536 vs 1430\n"
                   "RuntimeError: PytorchStreamWriter failed writing file data/2: file write failed")
UNSLOTH_MISSING = "importlib.metadata.PackageNotFoundError: No package metadata was found for unsloth"
BNB_CPU = ("The installed version of bitsandbytes was compiled without GPU support. 8-bit optimizers, 8-bit "
           "multiplication, and GPU quantization are unavailable.")
UNSLOTH_BROKEN = "NotImplementedError: Unsloth: GlmForCausalLM is not supported yet!"


@pytest.mark.parametrize("rc,tail,kind,cuda_error", [
    (-9, "", FailureKind.oom, None),
    (137, "Killed", FailureKind.oom, None),
    (1, OOM_CUDA, FailureKind.oom, None),
    (1, OOM_CPU, FailureKind.oom, None),
    (1, CUBLAS_ALLOC, FailureKind.oom, None),
    (1, ILLEGAL, FailureKind.train_failed, "illegal_memory_access"),
    (1, ASSERT, FailureKind.train_failed, "device_side_assert"),
    (1, NO_KERNEL, FailureKind.train_failed, "no_kernel_image"),
    (1, NCCL, FailureKind.train_failed, "nccl_error"),
    (1, CUBLAS_EXEC, FailureKind.train_failed, "cublas_execution_failed"),
    (1, CUDNN, FailureKind.train_failed, "cudnn_error"),
    (1, ECC, FailureKind.train_failed, "ecc_error"),
    (1, NO_DRIVER, FailureKind.train_failed, "driver"),
    (1, NOT_COMPILED, FailureKind.train_failed, "no_gpu"),
    (1, DISK, FailureKind.disk_full, None),
    (1, TORCH_SAVE_DISK, FailureKind.disk_full, None),
    (1, UNSLOTH_MISSING, FailureKind.missing_dependency, None),
    (1, BNB_CPU, FailureKind.missing_dependency, None),
    (1, UNSLOTH_BROKEN, FailureKind.train_failed, None),
    (1, "ValueError: something else entirely", FailureKind.train_failed, None),
])
def test_trainer_failures_are_typed_from_their_real_messages(rc, tail, kind, cuda_error):
    failure = classify_failure(rc, "[INFO] some log lines before\n" + tail)
    assert failure.kind is kind and failure.hint and failure.details["exit_code"] == rc
    assert failure.details.get("cuda_error") == cuda_error


def _first_repair(tail: str, options: dict) -> str | None:
    f = classify_failure(1, tail)
    failure = Failure(kind=f.kind, message=f.message, details=f.details, tab="train")
    return next((r.id for r in repairs() if matches(r, failure, options)), None)


def test_each_cuda_error_meets_the_repair_made_for_it():
    gpu = {"use_cpu": None, "use_unsloth": None}
    assert _first_repair(ILLEGAL, gpu) == "restart-after-cuda-error"  # a fresh process often does not meet it again
    assert _first_repair(ASSERT, gpu) == "cpu-training"  # the same run fails the same way: not worth a restart
    assert _first_repair(UNSLOTH_MISSING, gpu) == "no-unsloth"
    assert _first_repair(UNSLOTH_BROKEN, gpu) == "no-unsloth"
    assert classify_failure(1, UNSLOTH_MISSING).details["package"] == "unsloth"
