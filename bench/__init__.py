"""`make bench` / `python -m bench`: median timings of the registered page queries on the
province-scale demo (built once at data/bench-province.db and reused while its seed matches)."""
