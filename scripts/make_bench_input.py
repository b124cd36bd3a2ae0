#!/usr/bin/env python3
"""Writes a large plain ZGrab 1 (era C/D flat) SMTP STARTTLS file for benchmarks.

Records are about 4.5 KB, like real Censys SMTP grabs: banner, EHLO,
STARTTLS reply, and a handshake with leaf + intermediate (base64 DER and a
parsed summary), ECDHE parameters and validation. The certificates are
taken from the real fixtures (read at run time, never committed) so the
ingest really decodes, hashes and parses DER.

With --distinct-leaves every record's leaf certificate is made distinct
(its last eight DER bytes, inside the signature, carry the record number),
as on real scans where most hosts serve a certificate of their own: each
leaf is then decoded, hashed, parsed and judged once. Those signatures no
longer verify, which costs the verifier the same work as valid ones.

Usage: make_bench_input.py FIXTURES_DIR OUT_FILE SIZE_MB [--distinct-leaves]
"""
import base64
import json
import sys

fixtures, out, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
distinct_leaves = "--distinct-leaves" in sys.argv[4:]
certs = []
for line in open(f"{fixtures}/zmap-ztag/ztag/transforms/test.json"):
    rec = json.loads(line)
    hs = next(e for e in rec["log"] if e["type"] == "tls_handshake")["data"]
    certs.append(hs["server_certificates"]["raw"])

ehlo = "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n"
target = size_mb * 1_000_000
written = 0
i = 0
with open(out, "w") as f:
    while written < target:
        chain = certs[i % len(certs)]
        leaf = chain[0]
        if distinct_leaves:
            der = bytearray(base64.b64decode(leaf))
            der[-8:] = i.to_bytes(8, "big")
            leaf = base64.b64encode(bytes(der)).decode()
        rec = {
            "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
            "timestamp": "2016-04-10T02:28:54-04:00",
            "data": {
                "banner": "220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n",
                "ehlo": ehlo,
                "starttls": "220 2.0.0 Ready to start TLS\r\n",
                "tls": {
                    "server_hello": {"version": {"name": "TLSv1.2", "value": 771}, "random": "VMvbNUbpSQKyTBqghDUvA/SG7n9Sxll7xVYR7tpDybY=",
                                     "session_id": "jsYhUnXwnAiC8AzXOmEgQaQA0WE1EChHB7WCBvfaimc=",
                                     "cipher_suite": {"hex": "0xC02F", "name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "value": 49199},
                                     "compression_method": 0, "ocsp_stapling": False, "ticket": True, "secure_renegotiation": True, "heartbeat": False},
                    "server_certificates": {
                        "certificate": {"raw": leaf, "parsed": {"subject_dn": "CN=mx.example.net", "issuer_dn": "CN=Example CA", "serial_number": str(1000 + i),
                                        "validity": {"start": "2015-01-01T00:00:00Z", "end": "2017-01-01T00:00:00Z"}, "fingerprint_sha256": "00" * 32}},
                        "chain": [{"raw": c, "parsed": {"subject_dn": "CN=Example CA"}} for c in chain[1:]],
                        "validation": {"browser_trusted": i % 3 == 0, "browser_error": "" if i % 3 == 0 else "x509: certificate signed by unknown authority"}},
                    "server_key_exchange": {"ecdh_params": {"curve_id": {"name": "secp256r1", "id": 23},
                                            "server_public": {"x": {"value": "AQID" * 10, "length": 256}, "y": {"value": "BAUG" * 10, "length": 256}}},
                                            "signature": {"raw": "AAEC" * 40, "type": "rsa", "valid": True}},
                    "server_finished": {"verify_data": "q6ytrq+w"},
                },
            },
        }
        line = json.dumps(rec, separators=(",", ":")) + "\n"
        f.write(line)
        written += len(line)
        i += 1
print(f"{out}: {i} records, {written / 1e6:.0f} MB, {written / i:.0f} bytes/record")
