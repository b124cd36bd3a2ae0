-- weak_cipher_support: which weak suites the endpoints of each port
-- accept in any version, from cipher-suite enumeration, and whether they
-- support and prefer forward secrecy. `pfs_preferred`: the suite the
-- server prefers at its best version is forward secret; `suite_not_known`
-- counts endpoints accepting a suite `cipher_suites` does not know (its
-- properties are unknown, not "not weak").
-- One row: port × protocol × property (null, anon, export, des, rc4,
-- 3des, pfs_supported, pfs_preferred, suite_not_known).
-- Denominator: TLS endpoints of the port (`tls_endpoints`: endpoints that
-- accepted at least one suite).
WITH accepted AS (
    SELECT c.scan_id, c.target, c.port, c.protocol, c.version, c.preferred,
           CASE WHEN s.id IS NULL THEN 1 ELSE 0 END AS not_known,
           CASE WHEN s.enc = 'null' THEN 1 ELSE 0 END AS is_null,
           CASE WHEN s.anon THEN 1 ELSE 0 END AS is_anon,
           CASE WHEN s.export THEN 1 ELSE 0 END AS is_export,
           CASE WHEN s.des THEN 1 ELSE 0 END AS is_des,
           CASE WHEN s.rc4 THEN 1 ELSE 0 END AS is_rc4,
           CASE WHEN s.triple_des THEN 1 ELSE 0 END AS is_3des,
           CASE WHEN s.pfs THEN 1 ELSE 0 END AS is_pfs
    FROM cipher_support c
    LEFT JOIN cipher_suites s ON s.id = c.cipher_id
    WHERE c.result = 'accepted'
),
best AS (
    SELECT scan_id, target, MAX(version) AS version
    FROM accepted
    GROUP BY scan_id, target
),
endpoints AS (
    SELECT a.scan_id, a.target,
           MAX(a.port) AS port,
           MAX(a.protocol) AS protocol,
           MAX(a.is_null) AS any_null,
           MAX(a.is_anon) AS any_anon,
           MAX(a.is_export) AS any_export,
           MAX(a.is_des) AS any_des,
           MAX(a.is_rc4) AS any_rc4,
           MAX(a.is_3des) AS any_3des,
           MAX(a.is_pfs) AS any_pfs,
           MAX(CASE WHEN a.preferred AND a.version = b.version THEN a.is_pfs ELSE 0 END) AS pfs_preferred,
           MAX(a.not_known) AS any_not_known
    FROM accepted a
    JOIN best b ON b.scan_id = a.scan_id AND b.target = a.target
    GROUP BY a.scan_id, a.target
),
counted AS (
    SELECT port, protocol,
           COUNT(*) AS tls_endpoints,
           SUM(any_null) AS n_null,
           SUM(any_anon) AS n_anon,
           SUM(any_export) AS n_export,
           SUM(any_des) AS n_des,
           SUM(any_rc4) AS n_rc4,
           SUM(any_3des) AS n_3des,
           SUM(any_pfs) AS n_pfs,
           SUM(pfs_preferred) AS n_pfs_preferred,
           SUM(any_not_known) AS n_not_known
    FROM endpoints
    GROUP BY port, protocol
),
long AS (
    SELECT port, protocol, 1 AS property_order, 'null' AS property, n_null AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 2 AS property_order, 'anon' AS property, n_anon AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 3 AS property_order, 'export' AS property, n_export AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 4 AS property_order, 'des' AS property, n_des AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 5 AS property_order, 'rc4' AS property, n_rc4 AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 6 AS property_order, '3des' AS property, n_3des AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 7 AS property_order, 'pfs_supported' AS property, n_pfs AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 8 AS property_order, 'pfs_preferred' AS property, n_pfs_preferred AS endpoints, tls_endpoints FROM counted
    UNION ALL
    SELECT port, protocol, 9 AS property_order, 'suite_not_known' AS property, n_not_known AS endpoints, tls_endpoints FROM counted
)
SELECT port, protocol, property_order, property, endpoints, tls_endpoints,
       CAST(endpoints AS DOUBLE) / tls_endpoints AS share
FROM long
ORDER BY port, protocol, property_order
