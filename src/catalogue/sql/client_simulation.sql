-- client_simulation: what each named client (`client_offers`: a 2015
-- Postfix MTA, Thunderbird 38, Outlook 2013 on Windows 7, a modern
-- client) would negotiate with each enumerated endpoint: the highest
-- version both accept, and there the suite the server picks. The suite is
-- known when only one suite is common at that version, or when the
-- server's preferred suite (as the enumeration's own client found it) is
-- among the common ones and every common suite was in that client's list
-- (sslyze's probe left out anonymous, NULL, EXPORT, DES, 3DES and
-- Camellia suites, so a server may rank one of those higher for another
-- client); otherwise it is not determinable from what was recorded.
-- One row: client × port × protocol × outcome (no_common_suite: the
-- client cannot negotiate TLS at all; not_determinable; weak: RC4,
-- EXPORT, NULL, anonymous, DES or 3DES; strong).
-- Denominator: TLS endpoints of the port (`tls_endpoints`: accepted at
-- least one suite), each scan of an endpoint counted.
WITH accepted AS (
    SELECT c.scan_id, c.target, c.version, c.cipher_id, c.preferred,
           CASE WHEN s.anon OR s.enc = 'null' OR s.export OR s.des OR s.triple_des OR s.camellia
                THEN 0 ELSE 1 END AS in_probe_list
    FROM cipher_support c
    JOIN cipher_suites s ON s.id = c.cipher_id
    WHERE c.result = 'accepted'
),
endpoints AS (
    SELECT scan_id, target, MAX(port) AS port, MAX(protocol) AS protocol
    FROM cipher_support
    WHERE result = 'accepted'
    GROUP BY scan_id, target
),
clients AS (
    SELECT DISTINCT client, client_order FROM client_offers
),
common AS (
    SELECT a.scan_id, a.target, o.client, a.version, a.cipher_id, a.preferred, a.in_probe_list
    FROM accepted a
    JOIN client_offers o ON o.cipher_id = a.cipher_id
    WHERE a.version >= o.min_version AND a.version <= o.max_version
),
best AS (
    SELECT scan_id, target, client, MAX(version) AS version
    FROM common
    GROUP BY scan_id, target, client
),
at_best AS (
    SELECT m.scan_id, m.target, m.client,
           COUNT(*) AS suites,
           MIN(m.in_probe_list) AS all_in_probe_list,
           MAX(CASE WHEN m.preferred THEN m.cipher_id END) AS preferred_id,
           MIN(m.cipher_id) AS any_id
    FROM common m
    JOIN best b ON b.scan_id = m.scan_id AND b.target = m.target
               AND b.client = m.client AND b.version = m.version
    GROUP BY m.scan_id, m.target, m.client
),
chosen AS (
    SELECT scan_id, target, client,
           CASE WHEN suites = 1 THEN any_id
                WHEN preferred_id IS NOT NULL AND all_in_probe_list = 1 THEN preferred_id
           END AS cipher_id
    FROM at_best
),
outcomes AS (
    SELECT c.client, c.client_order, e.port, e.protocol,
           CASE
               WHEN h.scan_id IS NULL THEN 'no_common_suite'
               WHEN h.cipher_id IS NULL THEN 'not_determinable'
               WHEN s.rc4 OR s.export OR s.enc = 'null' OR s.anon OR s.des OR s.triple_des THEN 'weak'
               ELSE 'strong'
           END AS outcome
    FROM endpoints e
    CROSS JOIN clients c
    LEFT JOIN chosen h ON h.scan_id = e.scan_id AND h.target = e.target AND h.client = c.client
    LEFT JOIN cipher_suites s ON s.id = h.cipher_id
),
totals AS (
    SELECT port, protocol, COUNT(*) AS tls_endpoints
    FROM endpoints
    GROUP BY port, protocol
),
counted AS (
    SELECT client, client_order, port, protocol, outcome, COUNT(*) AS endpoints
    FROM outcomes
    GROUP BY client, client_order, port, protocol, outcome
)
SELECT c.client, c.client_order, c.port, c.protocol, c.outcome, c.endpoints, t.tls_endpoints,
       CAST(c.endpoints AS DOUBLE) / t.tls_endpoints AS share
FROM counted c
JOIN totals t ON t.port = c.port AND t.protocol = c.protocol
ORDER BY c.client_order, c.port, c.protocol, c.outcome
