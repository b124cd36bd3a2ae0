#!/usr/bin/env bash
# Builds data/openssl-names.csv: the OpenSSL name of each cipher-suite code.
# Codes the local OpenSSL still knows come from `openssl ciphers -V`; the
# legacy ones OpenSSL 1.1+ dropped (export, RC4, DES, 3DES, IDEA, SEED,
# SSLv2 kinds) come from data/openssl-names-legacy.csv, as OpenSSL 1.0.2
# named them.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "id,openssl_name,source"
  {
    openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' \
      | awk '{split($1, b, ","); printf "0x%s%s,%s,openssl %s\n", substr(b[1], 3), substr(b[2], 3), $3, ver}' \
        ver="$(openssl version | awk '{print $2}')"
    tail -n +2 data/openssl-names-legacy.csv | sed 's/$/,openssl 1.0.2 (legacy)/'
  } | sort -t, -k1,1 -u
} > data/openssl-names.csv
echo "data/openssl-names.csv: $(($(wc -l < data/openssl-names.csv) - 1)) codes"
