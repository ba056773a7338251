"""``manage.py bench``: a synthetic institution at scale, and the timings the performance targets are about."""
