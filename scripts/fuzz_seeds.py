#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the bundled sample and, where
present, the real scanner fixtures: scripts/fuzz_seeds.py OUT_DIR."""
import base64, bz2, gzip, hashlib, lzma, os, pathlib, re, struct, sys

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1])
fixtures = pathlib.Path(os.environ.get("MAILTLS_FIXTURES", root.parent / "shared/fixtures/real"))
openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".json": open, ".csv": open}


def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def sample_lines(limit=40):
    for f in sorted((root / "data/sample").iterdir()):
        opener = openers.get(f.suffix)
        if not opener or f.name == "truth.json":
            continue
        with opener(f, "rb") as fh:
            for i, line in enumerate(fh):
                if i >= limit:
                    break
                yield line.rstrip(b"\n")


def fixture_docs():
    if not fixtures.is_dir():
        return
    for f in sorted(fixtures.rglob("*.json")):
        data = f.read_bytes()
        if len(data) < 200_000:
            yield data


def pem_ders(text):
    for m in re.finditer(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S):
        try:
            yield base64.b64decode(b"".join(m.group(1).split()))
        except ValueError:
            pass


# Layouts the sample lacks: ZDNS lookups (versions 1 and 2) and top lists.
other_layouts = [
    b'{"name":"example.com","results":{"MX":{"data":{"answers":[{"answer":"mx1.example.com.","class":"IN","name":"example.com","preference":10,"ttl":300,"type":"MX"}],"flags":{"authenticated":true}},"status":"NOERROR","timestamp":"2024-08-23T13:12:43-04:00"}}}',
    b'{"name":"_25._tcp.mx1.example.com","results":{"TLSA":{"data":{"answers":[{"type":"TLSA","class":"IN","name":"_25._tcp.mx1.example.com","cert_usage":3,"selector":1,"matching_type":1,"certificate":"00ff","ttl":60}]},"status":"NOERROR"}}}',
    b'{"name":"example.org","status":"NOERROR","timestamp":"2019-01-01T00:00:00Z","alexa_rank":7,"data":{"exchanges":[{"name":"mx.example.org","type":"MX","preference":5,"ipv4_addresses":["192.0.2.1"]}]}}',
    b"1,google.com",
    b"2,Example.ORG.",
    # Sonar forward DNS, MTA-STS (a fetch and a policy file), masscan.
    b'{"timestamp":"1506039047","name":"example.com","type":"mx","value":"10 mx1.example.com."}',
    b'{"domain":"example.com","timestamp":"2024-05-01T00:00:00Z","status_code":200,"body":"version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n"}',
    b"version: STSv1\r\nmode: testing\r\nmx: *.example.org\r\nmax_age: 604800\r\n",
    b"banner tcp 25 192.0.2.25 1434528003 ssl TLS/1.2 cipher:0xc030, mail01, mail01.example.com",
    b'{   ip: "192.0.2.25",   ports: [ {port: 25, proto: "tcp", service: {name: "smtp", banner: "220 x"} } ] },',
    b'<host endtime="1"><address addr="192.0.2.28" addrtype="ipv4"/><ports><port protocol="tcp" portid="993"><state state="open" reason="syn-ack" reason_ttl="54"/></port></ports></host>',
]
# Enumeration outputs kept whole: sslyze XML and text, cipherscan.
if fixtures.is_dir():
    for f in sorted(list(fixtures.rglob("*.xml")) + list(fixtures.rglob("tls_results.txt"))):
        data = f.read_bytes()
        other_layouts.append(data[:60_000])
records = list(sample_lines()) + list(fixture_docs()) + other_layouts
for r in records:
    put("json", r)
    for pick in (0, 1, 3):
        put("record", bytes([pick]) + r)
for pick in (0, 1, 0x31, 0xF1):
    for r in records[:30]:
        put("framing", bytes([pick]) + r + b"\n" + r)

ders = list(pem_ders((root / "data/sample/roots.pem").read_bytes()))
if fixtures.is_dir():
    for f in sorted(fixtures.rglob("*.pem")):
        ders.extend(pem_ders(f.read_bytes()))
for d in ders:
    put("cert_facts", d)
when = struct.pack(">I", 1438574400 // 2)
for i in range(len(ders)):
    chain = [ders[i]] + ders[i + 1 : i + 4]
    put("verify", when + b"".join(struct.pack(">H", len(c)) + c for c in chain if len(c) < 65536))
print(f"seeds: {len(records)} records, {len(ders)} certificates", file=sys.stderr)
