"""Wall time and peak memory of one command run as a process of its own, by GNU time.

GNU time forks the command from its own small image, so the peak is the command's: a
peak read with ``os.wait4`` from a benchmark that holds hundreds of MiB would include
that benchmark's memory, which the child inherits for the moment before it runs the
command (Linux keeps the highest resident size a process ever had, across ``exec``).
"""

from __future__ import annotations

import subprocess


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one process, from GNU time."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{out.stderr[-2000:]}")
    wall, kib = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kib) / 1024
