#!/usr/bin/env python3
"""Runs every notebook in notebooks/ headless on a dataset and checks its
numbers against mailtls' own answer for the same dataset.

Usage: check_notebooks.py DATASET MAILTLS_BINARY [--write]
  --write  also saves the executed notebooks (with their outputs) back into
           notebooks/, as committed for the bundled sample.
"""
import json
import os
import pathlib
import subprocess
import sys

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def run(path, dataset, write):
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("MAILTLS_DATASET")
    if dataset is not None:
        os.environ["MAILTLS_DATASET"] = str(dataset)
    try:
        nbclient.NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        ).execute()
    finally:
        if env_before is None:
            os.environ.pop("MAILTLS_DATASET", None)
        else:
            os.environ["MAILTLS_DATASET"] = env_before
    if write:
        nbformat.write(nb, path)
    last = nb.cells[-1]
    text = "".join(o.get("text", "") for o in last.get("outputs", []) if o.get("name") == "stdout")
    return json.loads(text)


def mailtls(binary, dataset, *args):
    out = subprocess.run([binary, *args, "--dataset", str(dataset), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def same(name, mine, theirs, keys):
    pick = lambda rows: sorted(tuple(str(r[k]) for k in keys) for r in rows)
    a, b = pick(mine), pick(theirs)
    if a != b:
        sys.exit(f"{name}: the notebook says {a[:5]}… where mailtls says {b[:5]}…")
    print(f"  {name}: {len(a)} rows agree")


def main():
    dataset, binary = pathlib.Path(sys.argv[1]).resolve(), sys.argv[2]
    write = "--write" in sys.argv[3:]
    # The committed outputs name the sample by its path relative to notebooks/.
    given = None if write else dataset
    print("reproduce.ipynb")
    r = run(NOTEBOOKS / "reproduce.ipynb", given, write)
    same("tls_support", r["tls_support"], mailtls(binary, dataset, "table", "tls_support"),
         ["port", "protocol", "tls_mode", "responding", "tls_working"])
    same("version_negotiated", r["version_negotiated"], mailtls(binary, dataset, "table", "version_negotiated"),
         ["scan_id", "tls_version", "endpoints"])
    kex = [row for row in mailtls(binary, dataset, "table", "key_exchange") if row["facet"] == "kex"]
    same("key_exchange (kex)", r["key_exchange"], kex, ["scan_id", "value", "endpoints"])
    print("explore.ipynb")
    e = run(NOTEBOOKS / "explore.ipynb", given, write)
    devices = mailtls(binary, dataset, "sql",
        "SELECT c.subject_cn, COUNT(*) AS endpoints FROM handshakes h "
        "JOIN chain_trust t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash "
        "LEFT JOIN certificates c ON c.sha256 = h.leaf_sha256 "
        "WHERE h.port = 993 AND h.status = 'ok' AND t.setting_rank = 0 AND t.reason = 'self_signed' "
        "GROUP BY c.subject_cn")
    same("self-signed certificates on port 993", e["devices_993"], devices, ["subject_cn", "endpoints"])
    keys = mailtls(binary, dataset, "sql",
        "SELECT c.spki_sha256, COUNT(*) AS endpoints, COUNT(DISTINCT h.leaf_sha256) AS certificates "
        "FROM handshakes h JOIN certificates c ON c.sha256 = h.leaf_sha256 "
        "WHERE h.status = 'ok' AND c.spki_sha256 IS NOT NULL "
        "GROUP BY c.spki_sha256 HAVING COUNT(*) > 1")
    same("shared keys", e["shared_keys"], keys, ["spki_sha256", "endpoints", "certificates"])
    print("2 notebooks ran and agree with mailtls")


if __name__ == "__main__":
    main()
