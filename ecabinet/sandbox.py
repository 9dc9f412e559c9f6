"""The one sandbox for programs that read uploaded files: the PDF check (`python ecabinet/intake.py`)
and the office converter (LibreOffice headless, ecabinet/office.py) both run through `run_sandboxed`.

What a sandboxed program gets:

- a wall-clock limit: the whole process group is killed (SIGKILL) when it runs out, so a
  program that forks (LibreOffice's wrapper -> oosplash -> soffice.bin) leaves nothing running;
- a CPU-time limit (RLIMIT_CPU) matching the wall clock, an address-space limit (RLIMIT_AS),
  no core dumps (RLIMIT_CORE 0);
- no network: it runs in a network namespace of its own with only a loopback interface
  (`unshare -n` as root, `unshare -rn` in an unprivileged user namespace otherwise). Where
  neither works (no util-linux, user namespaces disabled) it runs without that namespace and
  with an environment cleared of proxies; `network_isolated()` says which, and `make test`
  prints it;
- an environment built by the caller from scratch (nothing of the server's is inherited: no
  secrets, no proxy variables).

No Django here: the callers pass the limits they read from settings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


@lru_cache(maxsize=1)
def _network_prefix() -> tuple[str, ...]:
    """The command prefix that puts a program in a network namespace of its own, or () when this
    machine cannot (tried once per process)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    candidates = [(unshare, "-n"), (unshare, "-rn")] if os.geteuid() == 0 else [(unshare, "-rn")]
    for prefix in candidates:
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


def network_isolated() -> bool:
    """Whether sandboxed programs run without network on this machine."""
    return bool(_network_prefix())


def run_sandboxed(args: list[str], *, seconds: int, memory: int, env: dict[str, str],
                  cwd: str | None = None) -> Outcome:
    """Run `args` under the limits above; `memory` in bytes. Never raises for the program's own
    failure: a timeout is `Outcome(timed_out=True)`, a kill by a limit a negative returncode."""

    def set_limits() -> None:  # runs in the child, before exec
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 2))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    clean_env = {key: value for key, value in env.items() if "proxy" not in key.lower()}
    proc = subprocess.Popen([*_network_prefix(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, preexec_fn=set_limits, env=clean_env, cwd=cwd,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        return Outcome(proc.returncode if proc.returncode is not None else -9, b"", b"", timed_out=True)
    finally:
        # Whatever the program left running in its group (a forked helper) goes with it.
        _kill_group(proc.pid)
    return Outcome(proc.returncode, stdout, stderr)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
