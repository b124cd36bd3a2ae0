-- cipher_families: cipherscan's view of support, by suite family
-- (`cipher_suites.cipherscan_family`: AES-GCM, AES, ChaCha20, 3DES, RC4,
-- CAMELLIA, …; `not_known` for a suite the table lacks): per port, how
-- many TLS endpoints accept any suite of the family, accept that family
-- only, and prefer it (the suite preferred at their best version, where
-- the tool reports a preference).
-- One row: port × protocol × family.
-- Denominator: TLS endpoints of the port (`tls_endpoints`: accepted at
-- least one suite).
WITH accepted AS (
    SELECT c.scan_id, c.target, c.port, c.protocol, c.version, c.preferred,
           COALESCE(s.cipherscan_family, 'not_known') AS family
    FROM cipher_support c
    LEFT JOIN cipher_suites s ON s.id = c.cipher_id
    WHERE c.result = 'accepted'
),
best AS (
    SELECT scan_id, target, MAX(version) AS version
    FROM accepted
    GROUP BY scan_id, target
),
endpoint_family AS (
    SELECT a.scan_id, a.target, a.family,
           MAX(a.port) AS port,
           MAX(a.protocol) AS protocol,
           MAX(CASE WHEN a.preferred AND a.version = b.version THEN 1 ELSE 0 END) AS preferred
    FROM accepted a
    JOIN best b ON b.scan_id = a.scan_id AND b.target = a.target
    GROUP BY a.scan_id, a.target, a.family
),
families AS (
    SELECT scan_id, target, COUNT(*) AS families
    FROM endpoint_family
    GROUP BY scan_id, target
),
totals AS (
    SELECT port, protocol, COUNT(*) AS tls_endpoints
    FROM (
        SELECT scan_id, target, MAX(port) AS port, MAX(protocol) AS protocol
        FROM endpoint_family
        GROUP BY scan_id, target
    ) e
    GROUP BY port, protocol
),
counted AS (
    SELECT f.port, f.protocol, f.family,
           COUNT(*) AS supporting,
           SUM(CASE WHEN n.families = 1 THEN 1 ELSE 0 END) AS only,
           SUM(f.preferred) AS preferred
    FROM endpoint_family f
    JOIN families n ON n.scan_id = f.scan_id AND n.target = f.target
    GROUP BY f.port, f.protocol, f.family
)
SELECT c.port,
       c.protocol,
       c.family,
       t.tls_endpoints,
       c.supporting,
       c.only,
       c.preferred,
       CAST(c.supporting AS DOUBLE) / t.tls_endpoints AS supporting_share,
       CAST(c.only AS DOUBLE) / t.tls_endpoints AS only_share,
       CAST(c.preferred AS DOUBLE) / t.tls_endpoints AS preferred_share
FROM counted c
JOIN totals t ON t.port = c.port AND t.protocol = c.protocol
ORDER BY c.port, c.protocol, c.supporting DESC, c.family
