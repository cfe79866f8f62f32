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


def run_tool(args: list[str], deadline: Deadline, what: str, stdin: bytes | None = None,
             cwd: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    timeout = deadline.check(what)
    try:
        process = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, start_new_session=True,
                                   env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise ExtractionProblem("error", f"{args[0]} is not installed") from None
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        raise ExtractionProblem("timeout", f"time cap of {deadline.seconds:g}s reached while {what}") from None
    return subprocess.CompletedProcess(args, process.returncode, out, err)
