"""numpy's OpenBLAS gets one thread in every paperwire process, unless the admin chose otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import paperwire, os, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_one_blas_thread_by_default() -> None:
    assert _probe() == "1"


def test_the_admins_setting_wins() -> None:
    assert _probe(OPENBLAS_NUM_THREADS="4") == "4"
