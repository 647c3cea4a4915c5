"""``spark-submit .../dedupe/spark/__main__.py scan ...`` (and ``python -m dedupe.spark``): the
Spark job, run as a script, so its imports are absolute."""

from dedupe.cli.spark import app

app()
