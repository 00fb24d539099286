"""Ordinary memory pages for NumPy's large temporaries while the book is scored.

NumPy asks the kernel for transparent huge pages (``madvise``) on every array above 4 MB. On a
machine whose memory is mostly page cache (the database files) and fragmented, each huge page
then waits for the kernel to compact memory: measured on the 1M-loan book, splitting ten million
packed integers took 0.45 s instead of 0.10 s, and the feature build spent about a quarter of its
CPU time in such page faults. The scoring path makes hundreds of large short-lived arrays, so it
runs with small pages; NumPy's setting (process-wide, also ``NUMPY_MADVISE_HUGEPAGE``) is put back
afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def small_pages() -> Iterator[None]:
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another NumPy layout: leave its default alone
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)
