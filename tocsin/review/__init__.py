"""The monitors' review page: a small Flask app over the store.

Build it with :func:`tocsin.review.app.create_app`; serve it with :func:`tocsin.review.server.serve`
(``tocsin serve``). Accounts live in :mod:`tocsin.review.accounts`.
"""

from tocsin.review.app import create_app

__all__ = ["create_app"]
