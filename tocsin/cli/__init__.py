"""The ``tocsin`` command: a thin layer over the library.

Each area has its own module under ``tocsin/cli/`` that defines click commands and registers them on
:data:`main`. Heavy libraries (torch, scrapy, spacy) are imported inside commands, so ``--help`` and
``classify`` start fast.
"""

from __future__ import annotations

import importlib

from tocsin.cli.app import main

#: Modules that add commands to ``main``; each is imported once, in this order.
COMMAND_MODULES = (
    "tocsin.cli.setup",      # init, status
    "tocsin.cli.crawl",      # crawl
    "tocsin.cli.analyse",    # analyse, classify, train, evaluate
    "tocsin.cli.alerts",     # alert …
    "tocsin.cli.daemon",     # run, daemon
    "tocsin.cli.review",     # serve, users …
    "tocsin.cli.privacy",    # export, forget, retention
    "tocsin.cli.demo",       # demo
    "tocsin.cli.workers",    # worker … (distributed mode)
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name)

__all__ = ["main"]
