#!/usr/bin/env python3
"""Runs every mailtls catalogue query on Apache Spark over a dataset's
Parquet files and writes the same tables: the third engine the catalogue
is checked against, and the way to run it beyond one machine.

Every table the manifest names is registered as a view over exactly its
committed parts (partition folders give `scan_id` back). Each catalogue
file runs unmodified; a file whose first line is `-- continues: X.sql`
follows X's opening, as the catalogue runs it.

Usage: catalogue.py DATASET [--master URL] [--out DIR] [--json] [--only NAME,…]
  --out DIR   write each table as DIR/NAME.csv (one file per table)
  --json      print {"NAME": [rows…], …} on stdout (what the tests read)
"""
import argparse
import csv
import datetime
import decimal
import json
import os
import pathlib
import sys

from pyspark.sql import SparkSession

SQL_DIR = pathlib.Path(__file__).resolve().parent.parent.parent / "src" / "catalogue" / "sql"


def session(master):
    return (
        SparkSession.builder.master(master)
        .appName("mailtls-catalogue")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def register(spark, dataset):
    with open(os.path.join(dataset, "_manifest.json")) as f:
        manifest = json.load(f)
    parts = {}
    for part in manifest["parts"]:
        parts.setdefault(part["table"], []).append(os.path.join(dataset, part["path"]))
    for table, files in parts.items():
        frame = spark.read.option("basePath", os.path.join(dataset, table)).parquet(*files)
        frame.createOrReplaceTempView(table)


def queries(only):
    for path in sorted(SQL_DIR.glob("*.sql")):
        if path.name.endswith(".cte.sql"):
            continue  # an opening other files continue, not a query
        name = path.stem
        if only and name not in only:
            continue
        text = path.read_text()
        first = text.split("\n", 1)[0]
        if first.startswith("-- continues:"):
            text = (SQL_DIR / first.split(":", 1)[1].strip()).read_text() + text
        yield name, text


def plain(value):
    """A value as the other engines' JSON shows it."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return str(value.replace(tzinfo=datetime.timezone.utc))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("dataset")
    args.add_argument("--master", default="local[2]")
    args.add_argument("--out")
    args.add_argument("--json", action="store_true")
    args.add_argument("--only", default="")
    opts = args.parse_args()
    spark = session(opts.master)
    spark.sparkContext.setLogLevel("ERROR")
    register(spark, opts.dataset)
    only = {n for n in opts.only.split(",") if n}
    answers = {}
    for name, sql in queries(only):
        frame = spark.sql(sql)
        if opts.out:
            os.makedirs(opts.out, exist_ok=True)
            with open(os.path.join(opts.out, f"{name}.csv"), "w", newline="") as f:
                out = csv.writer(f)
                out.writerow(frame.columns)
                for row in frame.collect():
                    out.writerow(["" if v is None else plain(v) for v in row])
        if opts.json:
            answers[name] = [{k: plain(v) for k, v in row.asDict().items()} for row in frame.collect()]
        print(f"{name}: done", file=sys.stderr)
    if opts.json:
        json.dump(answers, sys.stdout)
    spark.stop()


if __name__ == "__main__":
    main()
