"""Running external extractors (soffice, antiword, catdoc, tesseract) under the document's time cap.

Each tool gets its own session so that a timeout kills the whole tree (soffice forks
soffice.bin; a plain subprocess.run timeout would leave it running).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess

from pipelines.documents.limits import Deadline, ExtractionProblem


def available(tool: str) -> bool:
    return shutil.which(tool) is not None


def communicate_or_kill(process: subprocess.Popen, stdin: bytes | None, timeout: float) -> tuple[bytes, bytes] | None:
    """(stdout, stderr) of a process started with start_new_session=True, or None when the timeout
    came first: then its whole session is killed (the tools it spawned too)."""
    try:
        return process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        return None


def run_tool(args: list[str], deadline: Deadline, what: str, stdin: bytes | None = None,
             cwd: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    timeout = deadline.check(what)
    try:
        process = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, start_new_session=True,
                                   env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise ExtractionProblem("error", f"{args[0]} is not installed") from None
    answer = communicate_or_kill(process, stdin, timeout)
    if answer is None:
        raise ExtractionProblem("timeout", f"time cap of {deadline.seconds:g}s reached while {what}")
    return subprocess.CompletedProcess(args, process.returncode, *answer)
