"""A crawl process reports its own peak memory, not the size of the process that started it."""

from __future__ import annotations

import subprocess
import sys

PARENT = """
import subprocess, sys
ballast = bytearray(300 * 1024 * 1024)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
child = "from tocsin.crawler.run import peak_rss_mb; print(peak_rss_mb())"
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)
"""


def test_peak_memory_is_the_crawl_process_own():
    out = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, check=True).stdout
    assert float(out.strip()) < 200, "the peak included the parent's 300 MB (ru_maxrss survives exec)"
