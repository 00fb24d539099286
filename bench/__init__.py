"""Benchmarks (not tests). ``make bench`` runs ``python -m bench``: every ``bench/bench_*.py`` module's
``main()`` in turn, each printing a table of sizes, times and peak memory."""
