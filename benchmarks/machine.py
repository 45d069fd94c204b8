"""The machine a benchmark record was measured on: CPU model, cores, Python, Warp, the GPU if
any, and the load average at the start (a busy machine explains a slow figure). Kept apart from
the benchmarks so that one that needs no SimPy (``bench_threads.py`` on a bare GPU host) can
name its machine too."""

from __future__ import annotations

import os
import platform


def machine_info(device: str) -> dict:
    import warp as wp
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "warp": wp.config.version, "device": device}
    if device.startswith("cuda"):
        info["gpu"] = wp.get_device(device).name
    try:
        info["load_average_at_start"] = list(os.getloadavg())
    except OSError:
        pass
    return info
