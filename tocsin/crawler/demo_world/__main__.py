"""Serve the demo world in the foreground: ``python -m tocsin.crawler.demo_world [--port 8790] [--scale N]``."""

from __future__ import annotations

import argparse
import time

from tocsin.crawler.demo_world import serve_demo_world


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve tocsin's fictional demo world on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8790, help="port (0: a free one; the starter config uses 8790)")
    parser.add_argument("--scale", type=int, default=0, help="generated articles under /bench/ (for benchmarks)")
    args = parser.parse_args()
    with serve_demo_world(port=args.port, scale=args.scale) as base_url:
        print(f"demo world at {base_url} (Ctrl-C stops it)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
