"""The govreports command line and its jobs (demo, benchmark)."""
