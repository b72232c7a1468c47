#!/usr/bin/env python3
"""The Fusebench torch worker: runs the families' PyTorch implementations for the TypeScript engine.

Started by engine/torch/worker-process.ts as ``python3 worker.py [--device auto|cpu|cuda:N]``;
speaks the framed protocol of framing.py on stdin/stdout (docs/pytorch.md lists the messages).
Anything printed goes to stderr: stdout carries frames only. End of input ends the worker.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional

import torch
from torch import nn

import conversions as cv
import framing as fr
from devices import DeviceError, pick_device
from families import FAMILIES, Family, Implementation, implementation_names

MODES = ("inference", "training")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class RequestError(Exception):
    """A request the worker cannot serve as asked; the message names the field and the fix."""


@dataclass
class Loaded:
    """One family x implementation x mode, ready to call: module, input and probe created once."""

    family: Family
    impl: Implementation
    training: bool
    module: nn.Module
    call_module: Callable[[torch.Tensor], torch.Tensor]
    x: torch.Tensor
    probe: Optional[torch.Tensor]
    param_names: list[str]
    params: list[nn.Parameter]
    initial_buffers: dict[str, torch.Tensor]
    rules: Optional[list[cv.Rule]]


def minor_faults() -> Optional[int]:
    """Minor page faults of this process so far (getrusage), or None where the OS has no resource module."""
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)
    except (ImportError, OSError):
        return None


def shape_text(shape: Any) -> str:
    return "x".join(str(d) for d in shape) if len(shape) > 0 else "scalar"


def module_state(module: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict less BatchNorm's counters: the names docs/pytorch.md lists."""
    return {k: v for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}


def assign_state(module: nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    """Copies ``state`` into the module's parameters and buffers, after checking names and shapes."""
    own = module_state(module)
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise RequestError(f"{what}: missing {missing[:6]}, unexpected {extra[:6]}")
    for name, target in own.items():
        if tuple(state[name].shape) != tuple(target.shape):
            raise RequestError(f"{what}: '{name}' is {shape_text(state[name].shape)}, the module holds {shape_text(target.shape)}")
    with torch.no_grad():
        for name, target in own.items():
            target.copy_(state[name])


class Worker:
    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.loaded: dict[int, Loaded] = {}
        self.next_handle = 1

    # --- helpers ---------------------------------------------------------------------------------

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def get(self, header: dict[str, Any]) -> Loaded:
        handle = header.get("handle")
        if handle not in self.loaded:
            raise RequestError(f"handle {handle!r} is not loaded (freed, or never returned by load)")
        return self.loaded[handle]

    def call(self, s: Loaded) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """One inference forward, or one training step: forward + gradients of sum(output * probe)."""
        if not s.training:
            with torch.no_grad():
                return s.call_module(s.x), ()
        out = s.call_module(s.x)
        assert s.probe is not None
        grads = torch.autograd.grad((out * s.probe).sum(), [s.x, *s.params])
        return out, grads

    # --- messages --------------------------------------------------------------------------------

    def hello(self, _: dict[str, Any], __: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        cuda = self.device.type == "cuda"
        name = torch.cuda.get_device_name(self.device) if cuda else f"CPU ({platform.machine()}, {torch.get_num_threads()} threads)"
        return {
            "type": "hello",
            "protocol": fr.PROTOCOL_VERSION,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "cudaAvailable": torch.cuda.is_available(),
            "device": str(self.device),
            "deviceName": name,
            "compile": hasattr(torch, "compile"),
            "implementations": implementation_names(),
        }, {}

    def load(self, h: dict[str, Any], tensors: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        family = FAMILIES.get(h.get("family"))  # type: ignore[arg-type]
        if family is None:
            raise RequestError(f"family {h.get('family')!r} is unknown; use one of {', '.join(FAMILIES)}")
        impl = family.implementations.get(h.get("implementation"))  # type: ignore[arg-type]
        if impl is None:
            raise RequestError(
                f"{family.name} has no torch implementation {h.get('implementation')!r}; use one of {', '.join(family.implementations)}"
            )
        mode = h.get("mode")
        if mode not in MODES:
            raise RequestError(f"mode must be inference or training, got {mode!r}")
        cfg = h.get("config")
        if not isinstance(cfg, dict):
            raise RequestError("config must be an object (the family's parsed config)")
        options = h.get("options") or {}
        if not isinstance(options, dict):
            raise RequestError("options must be an object")
        dtype = DTYPES.get(options.get("dtype", "float32"))
        if dtype is None:
            raise RequestError(f"options.dtype must be float32 or float64, got {options.get('dtype')!r}")
        channels_last = bool(options.get("channelsLast", False))
        compile_ = bool(options.get("compile", False))
        if compile_ and not hasattr(torch, "compile"):
            raise RequestError(f"options.compile needs torch >= 2.0; this worker has torch {torch.__version__}")
        training = mode == "training"
        try:
            expected_input = family.input_shape(cfg)
            module = impl.build(cfg)
        except (KeyError, TypeError, ValueError) as err:
            raise RequestError(f"config does not fit {family.name}: {type(err).__name__} {err}") from None
        if channels_last and len(expected_input) != 4:
            raise RequestError(f"options.channelsLast applies to 4-D feature maps; {family.name} does not take one")

        x = tensors.get("input")
        if x is None:
            raise RequestError("load needs the tensor 'input'")
        if list(x.shape) != expected_input:
            raise RequestError(f"input is {shape_text(x.shape)}, {family.name} with this config takes {shape_text(expected_input)}")
        serial = {k[len("weight.") :]: v for k, v in tensors.items() if k.startswith("weight.")}
        rules = impl.rules(cfg) if impl.rules is not None else None
        if rules is None:
            assign_state(module, serial, "serial weights")
        else:
            wanted = {s for r in rules for s in r.serial}
            missing, extra = sorted(wanted - set(serial)), sorted(set(serial) - wanted)
            if missing or extra:
                raise RequestError(f"serial weights: missing {missing[:6]}, unexpected {extra[:6]}")
            assign_state(module, cv.to_parallel(serial, rules), f"{impl.name} weights converted from serial")

        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        module.to(device=self.device, dtype=dtype)
        if channels_last:
            module.to(memory_format=torch.channels_last)
        x = x.to(device=self.device, dtype=dtype).contiguous(memory_format=memory_format).detach().requires_grad_(training)
        module.eval()
        with torch.no_grad():
            output_shape = list(module(x).shape)
        module.train(training)
        probe = tensors.get("probe")
        if training:
            if probe is None or list(probe.shape) != output_shape:
                got = "none" if probe is None else shape_text(probe.shape)
                raise RequestError(f"training needs the tensor 'probe' shaped like the output ({shape_text(output_shape)}), got {got}")
            probe = probe.to(device=self.device, dtype=dtype)
        named = list(module.named_parameters())
        call_module: Callable[[torch.Tensor], torch.Tensor] = torch.compile(module) if compile_ else module  # type: ignore[attr-defined]
        handle = self.next_handle
        self.next_handle += 1
        state = module_state(module)
        names = {n for n, _ in named}
        self.loaded[handle] = Loaded(
            family=family,
            impl=impl,
            training=training,
            module=module,
            call_module=call_module,
            x=x,
            probe=probe if training else None,
            param_names=[n for n, _ in named],
            params=[p for _, p in named],
            initial_buffers={k: v.clone() for k, v in state.items() if k not in names},
            rules=rules,
        )
        return {
            "type": "loaded",
            "handle": handle,
            "outputShape": output_shape,
            "parameters": {n: list(p.shape) for n, p in named},
            "buffers": {k: list(v.shape) for k, v in state.items() if k not in names},
        }, {}

    def run(self, h: dict[str, Any], _: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        s = self.get(h)
        calls = h.get("calls", 1)
        if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
            raise RequestError(f"calls must be a whole number >= 1, got {calls!r}")
        cuda = self.device.type == "cuda"
        self.sync()
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
        faults0 = minor_faults()
        t0 = time.perf_counter()
        for _ in range(calls):
            self.call(s)
        if cuda:
            end.record()
        self.sync()
        wall = (time.perf_counter() - t0) * 1e3
        reply: dict[str, Any] = {"type": "ran", "handle": h["handle"], "calls": calls, "wallMs": wall}
        faults = minor_faults()
        if faults is not None and faults0 is not None:
            reply["minorFaults"] = faults - faults0
        if cuda:
            reply["deviceMs"] = start.elapsed_time(end)
        return reply, {}

    def result(self, h: dict[str, Any], _: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """One call from the loaded running statistics: output, and in training gradients and statistics (serial names)."""
        s = self.get(h)
        state = s.module.state_dict()
        with torch.no_grad():
            for name, value in s.initial_buffers.items():
                state[name].copy_(value)
        out, grads = self.call(s)
        tensors: dict[str, torch.Tensor] = {"output": out}
        if s.training:
            tensors["grad.input"] = grads[0]
            own = dict(zip(s.param_names, grads[1:]))
            buffers = {k: v for k, v in module_state(s.module).items() if k in s.initial_buffers}
            if s.rules is not None:
                own, buffers = cv.to_serial(own, s.rules), cv.to_serial(buffers, s.rules)
            tensors.update({f"grad.{k}": v for k, v in own.items()})
            tensors.update({f"state.{k}": v for k, v in buffers.items()})
        return {"type": "result", "handle": h["handle"]}, tensors

    def memory(self, h: dict[str, Any], _: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """Allocator high-water mark over one call (CUDA only: the CPU allocator keeps no such figure)."""
        s = self.get(h)
        reply: dict[str, Any] = {"type": "memory", "handle": h["handle"]}
        if self.device.type == "cuda":
            self.sync()
            torch.cuda.reset_peak_memory_stats(self.device)
            reply["baseBytes"] = torch.cuda.memory_allocated(self.device)
            self.call(s)
            self.sync()
            reply["peakBytes"] = torch.cuda.max_memory_allocated(self.device)
        return reply, {}

    def profile(self, h: dict[str, Any], _: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """Time per op over a few calls under torch's profiler: device time on CUDA, host (CPU) time elsewhere."""
        s = self.get(h)
        calls = h.get("calls", 3)
        if not isinstance(calls, int) or isinstance(calls, bool) or not 1 <= calls <= 100:
            raise RequestError(f"calls must be a whole number from 1 to 100, got {calls!r}")
        cuda = self.device.type == "cuda"
        activities = [torch.profiler.ProfilerActivity.CPU] + ([torch.profiler.ProfilerActivity.CUDA] if cuda else [])
        self.sync()
        with torch.profiler.profile(activities=activities) as prof:
            for _ in range(calls):
                self.call(s)
            self.sync()
        ops = []
        for e in prof.key_averages():
            # torch >= 2.4 names device time `self_device_time_total`; 1.13 `self_cuda_time_total` (µs, all calls).
            device = getattr(e, "self_device_time_total", None)
            if device is None:
                device = getattr(e, "self_cuda_time_total", 0)
            us = device if cuda else e.self_cpu_time_total
            if us > 0:
                ops.append({"name": e.key, "count": max(1, round(e.count / calls)), "ms": us / 1e3 / calls})
        ops.sort(key=lambda o: -o["ms"])
        return {"type": "profile", "handle": h["handle"], "timing": "device" if cuda else "host", "calls": calls, "byOp": ops[:16]}, {}

    def free(self, h: dict[str, Any], _: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        self.get(h)
        del self.loaded[h["handle"]]
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        return {"type": "freed", "handle": h["handle"]}, {}

    def dispatch(self, header: dict[str, Any], tensors: dict[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        handlers = {
            "hello": self.hello,
            "load": self.load,
            "run": self.run,
            "result": self.result,
            "memory": self.memory,
            "profile": self.profile,
            "free": self.free,
        }
        handler = handlers.get(header["type"])
        if handler is None:
            raise RequestError(f"unknown message type {header['type']!r}; use one of {', '.join([*handlers, 'shutdown'])}")
        return handler(header, tensors)


def send(out: BinaryIO, header: dict[str, Any], tensors: Optional[dict[str, torch.Tensor]] = None) -> None:
    out.write(fr.encode_frame(header, tensors))
    out.flush()


def error_reply(request_id: Optional[int], message: str) -> dict[str, Any]:
    return {"type": "error", "id": request_id if request_id is not None else 0, "message": message}


def serve(worker: Worker, inp: BinaryIO, out: BinaryIO, max_frame_bytes: int) -> int:
    while True:
        try:
            frame = fr.read_frame(inp, max_frame_bytes)
        except fr.StreamError as err:
            send(out, error_reply(None, f"malformed input, stopping: {err}"))
            return 2
        except fr.FrameError as err:
            send(out, error_reply(err.request_id, f"malformed frame: {err}"))
            continue
        if frame is None:
            return 0
        header, payload = frame
        request_id = header["id"]
        if header["type"] == "shutdown":
            send(out, {"type": "bye", "id": request_id})
            return 0
        try:
            tensors = fr.decode_tensors(header, payload)
            reply, reply_tensors = worker.dispatch(header, tensors)
            send(out, {**reply, "id": request_id}, reply_tensors)
        except fr.FrameError as err:
            send(out, error_reply(request_id, f"malformed frame: {err}"))
        except RequestError as err:
            send(out, error_reply(request_id, str(err)))
        except Exception as err:  # noqa: BLE001 - a failed request (CUDA out of memory, a torch error) must not end the worker
            if worker.device.type == "cuda":
                torch.cuda.empty_cache()
            send(out, error_reply(request_id, f"{header['type']} failed: {type(err).__name__}: {err}"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda:N")
    parser.add_argument("--max-frame-bytes", type=int, default=fr.DEFAULT_MAX_FRAME_BYTES)
    args = parser.parse_args(argv)
    # Frames own stdout; a stray print (ours or a library's) goes to stderr instead of corrupting them.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    try:
        fr.check_byte_order()
        device = pick_device(args.device)
    except (DeviceError, RuntimeError) as err:
        send(out, error_reply(None, str(err)))
        return 2
    # Equivalence is judged in true fp32: TF32 would round matmul inputs to 10 mantissa bits.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = device.type == "cuda"
    return serve(Worker(device), sys.stdin.buffer, out, args.max_frame_bytes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
