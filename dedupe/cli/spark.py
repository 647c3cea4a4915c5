"""``dedupe spark scan``: the Spark job from the command line, and under ``spark-submit``.

    spark-submit "$(python -c 'import dedupe.spark.__main__ as m; print(m.__file__)')" scan INPUT... -o OUT/

Outside ``spark-submit`` it starts a local session (``--master``, default ``local[*]``). pyspark
is imported only when the command runs: the rest of the command line works without it.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import List, Optional

import typer

from .common import format_option

app = typer.Typer(help="Deduplicate on Apache Spark, with the results of dedupe scan (needs the spark extra).",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


class Format(str, Enum):
    parquet = "parquet"
    jsonl = "jsonl"


@app.command(no_args_is_help=True)
def scan(
    inputs: List[str] = typer.Argument(..., help="Parquet or JSONL files, folders or globs, on any file system Spark "
                                                 "reads (s3a://, hdfs://, file paths)."),
    output: str = typer.Option(..., "--output", "-o", help="Folder to write the results to, one record per article."),
    input_format: Optional[str] = format_option(None, "--input-format", kind=Format, help="Default: from the first input's "
                                                                             "suffix, else parquet."),
    format: str = format_option("parquet", "--format", "-f", kind=Format, help="Format of the results."),
    text_col: str = typer.Option("text", help="Column holding the article's text."),
    id_col: str = typer.Option("id", help="Column holding the article's unique id."),
    master: Optional[str] = typer.Option(None, help="Spark master when not run by spark-submit (default local[*])."),
    partitions: Optional[int] = typer.Option(None, min=1, help="spark.sql.shuffle.partitions. Default: the session's "
                                                              "under spark-submit, 4 per core in a local session."),
    config_file: Optional[str] = typer.Option(None, "--config", help="A dedupe.toml or pyproject.toml."),
) -> None:
    """Group syndicated copies into stories on Spark: the same stories, canonicals and roles as
    dedupe scan, written with the same columns."""
    from pathlib import Path

    try:
        from pyspark.sql import SparkSession
    except ImportError:
        from ..errors import install_hint
        typer.echo(f"error: the Spark job needs the spark extra: {install_hint('spark')}", err=True)
        raise typer.Exit(2) from None
    from ..spark import deduplicate
    from .common import config_from

    config = config_from(Path(config_file) if config_file else None)
    builder = SparkSession.builder.appName("wire-dedupe")
    local = master is not None or "PYSPARK_GATEWAY_PORT" not in os.environ  # that variable: run by spark-submit
    if local:
        builder = builder.master(master or "local[*]")
    spark = builder.getOrCreate()
    if partitions or local:
        # Spark's default of 200 shuffle partitions leaves one machine's cores starting tasks.
        spark.conf.set("spark.sql.shuffle.partitions", partitions or 4 * spark.sparkContext.defaultParallelism)
    kind = input_format or (Format.jsonl if inputs[0].rstrip("/").endswith((".jsonl", ".json", ".ndjson"))
                            else Format.parquet)
    frame = spark.read.json(inputs) if kind is Format.jsonl else spark.read.parquet(*inputs)
    result = deduplicate(frame, text_col=text_col, id_col=id_col, config=config)
    writer = result.write.mode("overwrite")
    if format is Format.jsonl:
        writer.json(output)
    else:
        writer.parquet(output)
    written, read = result.count(), frame.count()
    typer.echo(f"wrote {written:,} records, one per article, to {output}")
    if read > written:
        typer.echo(f"input rows left out, without an id or text, or repeating an id: {read - written:,}",
                   err=True)
