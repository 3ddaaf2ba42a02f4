"""Load benchmark and multi-process helpers (make bench: python -m bench.run_all)."""
