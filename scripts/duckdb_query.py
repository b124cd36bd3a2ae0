#!/usr/bin/env python3
"""Runs one SQL query with DuckDB over a mailtls dataset and prints the
answer as JSON rows: the second engine the catalogue is checked against.

Every table the manifest names is registered as a view over exactly its
committed Parquet parts (hive partitioning restores `scan_id`).

Usage: duckdb_query.py DATASET < query.sql
       duckdb_query.py DATASET FILE.sql...   (runs each; prints row counts)
       duckdb_query.py --time DATASET FILE.sql...
           (each in a fresh connection; prints the seconds from connecting
           to the last row fetched, the benchmark's DuckDB figure)
"""
import json
import os
import sys
import time

import duckdb


def connect(dataset):
    """A DuckDB connection with a view per table of the dataset."""
    with open(os.path.join(dataset, "_manifest.json")) as f:
        manifest = json.load(f)
    parts = {}
    for part in manifest["parts"]:
        parts.setdefault(part["table"], []).append(os.path.join(dataset, part["path"]))
    con = duckdb.connect()
    for table, files in parts.items():
        listed = ", ".join("'" + p.replace("'", "''") + "'" for p in files)
        hive = "true" if any("scan_id=" in p for p in files) else "false"
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listed}], hive_partitioning={hive})"
        )
    return con


def load_query(path):
    """A catalogue SQL file as the catalogue runs it: a file whose first line
    is `-- continues: OTHER.sql` follows that file's opening."""
    with open(path) as f:
        text = f.read()
    first = text.split("\n", 1)[0]
    if first.startswith("-- continues:"):
        opening = os.path.join(os.path.dirname(path), first.split(":", 1)[1].strip())
        with open(opening) as f:
            text = f.read() + text
    return text


def main():
    if sys.argv[1] == "--time":
        dataset = sys.argv[2]
        for path in sys.argv[3:]:
            if path.endswith(".cte.sql"):
                continue
            query = load_query(path)
            started = time.perf_counter()
            con = connect(dataset)
            con.execute("SET threads=2")
            rows = con.execute(query).fetchall()
            seconds = time.perf_counter() - started
            con.close()
            print(f"{os.path.basename(path)[:-4]} {seconds:.4f} {len(rows)}")
        return
    con = connect(sys.argv[1])
    if len(sys.argv) > 2:
        for path in sys.argv[2:]:
            if path.endswith(".cte.sql"):
                continue  # an opening other files continue, not a query
            rows = con.execute(load_query(path)).fetchall()
            print(f"{path}: {len(rows)} rows")
        return
    cursor = con.execute(sys.stdin.read())
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    json.dump(rows, sys.stdout, default=str)


if __name__ == "__main__":
    main()
