#!/usr/bin/env python3
"""Writes the small hand-made sample archive in data/sample/.

Until `mailtls synth` exists, these records stand in for a scan: a few
hosts per port in several layouts and codecs, with known outcomes and a
few malformed lines. The certificates are made here with `openssl req`
(self-signed, our own), so no third-party data is copied.

Usage: python3 scripts/make_sample.py [OUT_DIR]
"""
import base64
import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
import tempfile

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data", "sample")


def make_cert(cn, days, key_bits, digest):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", f"rsa:{key_bits}", "-nodes", f"-{digest}",
             "-keyout", f"{d}/k.pem", "-out", f"{d}/c.der", "-outform", "DER",
             "-days", str(days), "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}"],
            check=True, capture_output=True)
        return base64.b64encode(open(f"{d}/c.der", "rb").read()).decode()


CERTS = [make_cert("mx.example.net", 3650, 2048, "sha256"),
         make_cert("localhost.localdomain", 3650, 1024, "sha1")]

EHLO_TLS = "250-mx.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
EHLO_PLAIN = "250-mail.example.org\r\n250 8BITMIME\r\n"
SUITES = [(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLSv1.2", 771),
          (0x0005, "TLS_RSA_WITH_RC4_128_SHA", "TLSv1.0", 769),
          (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "TLSv1.2", 771)]


def handshake(i):
    code, name, vname, vvalue = SUITES[i % len(SUITES)]
    kex = {"ecdh_params": {"curve_id": {"name": "secp256r1", "id": 23}}} if code == 0xC02F else (
        {"dh_params": {"prime": {"value": base64.b64encode(b"\xff" * 128).decode(), "length": 1024}}} if code == 0x39 else {})
    cert = CERTS[i % 2]
    return {"server_hello": {"version": {"name": vname, "value": vvalue},
                             "cipher_suite": {"hex": f"0x{code:04X}", "name": name, "value": code},
                             "compression_method": 0, "ocsp_stapling": False, "secure_renegotiation": True},
            "server_certificates": {"certificate": {"raw": cert}, "chain": [],
                                    "validation": {"browser_trusted": False, "browser_error": "x509: certificate signed by unknown authority"}},
            "server_key_exchange": kex, "server_finished": {"verify_data": "AAAA"}}


def zgrab1_smtp(n):
    lines = []
    for i in range(n):
        ip = f"198.51.100.{i + 1}"
        ts = f"2015-08-03T04:{i // 60:02d}:{i % 60:02d}-04:00"
        kind = i % 5
        if kind == 0:
            lines.append({"ip": ip, "timestamp": ts, "error": f"dial tcp {ip}:25: connection refused", "error_component": "connect"})
        elif kind == 1:
            lines.append({"ip": ip, "timestamp": ts, "data": {"banner": "220 mail.example.org ESMTP\r\n", "ehlo": EHLO_PLAIN,
                          "starttls": "502 5.5.1 Unrecognized command\r\n"}, "error": "Bad return code for STARTTLS", "error_component": "starttls"})
        else:
            lines.append({"ip": ip, "timestamp": ts, "data": {"banner": "220 mx.example.net ESMTP Postfix\r\n", "ehlo": EHLO_TLS,
                          "starttls": "220 2.0.0 Ready to start TLS\r\n", "tls": handshake(i)}})
    return "".join(json.dumps(l) + "\n" for l in lines).encode()


def zgrab2_imaps(n):
    lines = []
    for i in range(n):
        result = {"banner": "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Dovecot ready.\r\n", "tls": {"handshake_log": handshake(i)}}
        status = "success" if i % 4 else "io-timeout"
        if status != "success":
            result = {}
        lines.append({"ip": f"203.0.113.{i + 1}", "data": {"imap": {"status": status, "protocol": "imap", "result": result,
                      "timestamp": "2015-08-04T10:00:00Z"}}})
    return "".join(json.dumps(l) + "\n" for l in lines).encode()


def zmap(n):
    rows = ["saddr,saddr-raw,sport,classification,success,timestamp-str"]
    rows += [f"198.51.100.{i + 1},{3325256704 + i + 1},25,synack,1,2015-08-03T04:00:00.000-0400" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def censys_host():
    return json.dumps({"ip": "192.0.2.200", "updated_at": "2015-08-05T00:00:00Z",
                       "25": {"smtp": {"starttls": {"banner": "220 mx ESMTP\r\n", "ehlo": EHLO_PLAIN, "starttls": "500 5.5.1 Command unrecognized: \"XXXXXXXX\"\r\n"}}},
                       "22": {"ssh": {"banner": {"raw_banner": "SSH-2.0-OpenSSH_6.6\r\n"}}}}, indent=2).encode()


def main():
    os.makedirs(OUT, exist_ok=True)
    smtp = zgrab1_smtp(40)
    bad = b'{"ip":"198.51.100.250","data":{"banner":"220 trunc\n\x00\xff binary junk\n'
    files = {
        "s4mpl3-25-smtp-starttls-full_ipv4-20150803T040000-zgrab-results.json.gz": gzip.compress(smtp + bad, mtime=0),
        "s4mpl3-993-imaps-tls-full_ipv4-20150804T100000-zgrab2-results.json.zst": None,
        "s4mpl3-25-smtp-starttls-full_ipv4-20150803T040000-zmap-results.csv.bz2": bz2.compress(zmap(40)),
        "s4mpl3-993-imaps-tls-full_ipv4-20150804T100000-zmap-results.csv.xz": lzma.compress(("\n".join(f"203.0.113.{i + 1}" for i in range(24)) + "\n").encode()),
        "censys-host-example.json": censys_host(),
    }
    imaps = zgrab2_imaps(24)
    try:
        import zstandard  # noqa: F401
        files["s4mpl3-993-imaps-tls-full_ipv4-20150804T100000-zgrab2-results.json.zst"] = zstandard.ZstdCompressor().compress(imaps)
    except ImportError:
        del files["s4mpl3-993-imaps-tls-full_ipv4-20150804T100000-zgrab2-results.json.zst"]
        files["s4mpl3-993-imaps-tls-full_ipv4-20150804T100000-zgrab2-results.json"] = imaps
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
