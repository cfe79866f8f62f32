"""Run one extraction in a child process with a wall-clock cap and a memory cap.

pdfminer, pdfium, LibreOffice and Tesseract can all hang or balloon on hostile files; a child
that is killed takes them down with it. The child is a fresh interpreter
(`python -m pipelines.documents.worker`, ~0.15 s to start with pdfplumber loaded) rather than a
multiprocessing fork: forking the crawler would copy its Twisted threads, and multiprocessing's
spawn/forkserver re-import the caller's __main__ in every child. The child runs in its own
session, so the kill also reaches the tools it spawned (soffice, tesseract).
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from pipelines.documents.limits import Limits
from pipelines.documents.tools import communicate_or_kill

GRACE_SECONDS = 3.0  # the child reports its own timeouts; the parent's kill is the backstop
PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
WORKER = [sys.executable, "-m", "pipelines.documents.worker"]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (PROJECT_ROOT, env.get("PYTHONPATH")) if p)
    return env


def run_isolated(kind: str, data: bytes, limits: Limits):
    """The worker's answer: an Extracted, or (status, message)."""
    try:
        process = subprocess.Popen(WORKER, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                   env=_environment())
    except OSError as exc:
        return ("error", f"cannot start the extraction worker: {exc}")
    answer = communicate_or_kill(process, pickle.dumps((kind, data, limits)), limits.timeout + GRACE_SECONDS)
    if answer is None:
        return ("timeout", f"time cap of {limits.timeout:g}s reached; extraction stopped")
    out, err = answer
    try:
        return pickle.loads(out)
    except Exception:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {process.returncode}"]
        return ("error", f"extraction worker died ({tail[0][:300]}); the file may be hostile or broken")
