-- Shared opening of protection_levels and unit_of_analysis: each unit of
-- analysis (IPv4 address, MX host, domain, top-list domain weighted by
-- 1/rank) with the protection a sender gets on port 25, at its weakest.
--
-- Levels, weakest first (a route is domain × MX host × address; an address
-- is one port-25 handshake row of any scan):
--   1 no_starttls        STARTTLS not offered or refused: plaintext;
--   2 starttls_failed    offered, but the TLS handshake failed;
--   3 suite_not_known    completed with a suite code `cipher_suites` lacks;
--   4 passive_broken     completed with NULL or EXPORT encryption;
--   5 passive_safe       completed otherwise: safe from passive wiretap only;
--   6 mta_sts            and the domain's MTA-STS policy enforces, lists the
--                        MX host, and the chain is trusted and names it;
--   7 dane               and a DNSSEC-signed TLSA record matches the chain.
-- A unit takes the weakest level of the routes (addresses) that answered:
-- an attacker who can block the better ones gets the worst. An address
-- scanned but not answering (connect_failed, timeout, banner_failed,
-- protocol_error, skipped) is 0 no_answer when nothing else answered; a
-- unit none of whose addresses was scanned is -1 not_scanned. Both are
-- counted, outside the denominator. Addresses have no names, so per IP
-- the ladder stops at passive_safe. `trusted` is the paper's notion: every
-- answering route completed with a chain valid under the first trust setting.
WITH observed AS (
    SELECT 'ip' AS unit, 1 AS unit_order, h.ip AS id, h.status, h.cipher_id,
           t.valid AS trusted, CAST(NULL AS BOOLEAN) AS names_host,
           CAST(NULL AS STRING) AS dane, CAST(NULL AS STRING) AS mta_sts,
           CAST(NULL AS BOOLEAN) AS mta_sts_names_mx, CAST(1 AS DOUBLE) AS weight
    FROM handshakes h
    LEFT JOIN (
        SELECT scan_id, chain_hash, valid
        FROM chain_trust
        WHERE setting_rank = 0
    ) t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash
    WHERE h.port = 25
    UNION ALL
    SELECT 'mx_host' AS unit, 2 AS unit_order, mx_host AS id, status, cipher_id,
           trusted, names_host, dane, mta_sts, mta_sts_names_mx, CAST(1 AS DOUBLE) AS weight
    FROM mail_routes
    UNION ALL
    SELECT 'domain' AS unit, 3 AS unit_order, domain AS id, status, cipher_id,
           trusted, names_host, dane, mta_sts, mta_sts_names_mx, CAST(1 AS DOUBLE) AS weight
    FROM mail_routes
    UNION ALL
    SELECT 'domain_by_rank' AS unit, 4 AS unit_order, r.domain AS id, r.status, r.cipher_id,
           r.trusted, r.names_host, r.dane, r.mta_sts, r.mta_sts_names_mx,
           CAST(1 AS DOUBLE) / l.rank AS weight
    FROM mail_routes r
    JOIN (
        SELECT domain, MIN(rank) AS rank
        FROM toplist
        GROUP BY domain
    ) l ON l.domain = r.domain
),
route_levels AS (
    SELECT o.unit,
           o.unit_order,
           o.id,
           o.weight,
           CASE WHEN o.status IS NULL THEN 0 ELSE 1 END AS scanned,
           CASE
               WHEN o.status IN ('no_starttls', 'starttls_refused') THEN 1
               WHEN o.status = 'handshake_failed' THEN 2
               WHEN o.status IS NULL OR o.status <> 'ok' THEN NULL
               WHEN s.id IS NULL THEN 3
               WHEN s.enc = 'null' OR s.export THEN 4
               WHEN o.dane = 'match' THEN 7
               WHEN o.mta_sts = 'enforce' AND o.mta_sts_names_mx AND o.trusted AND o.names_host THEN 6
               ELSE 5
           END AS level,
           CASE
               WHEN o.status IS NULL THEN NULL
               WHEN o.status = 'ok' AND o.trusted THEN 1
               WHEN o.status IN ('no_starttls', 'starttls_refused', 'handshake_failed', 'ok') THEN 0
           END AS trusted
    FROM observed o
    LEFT JOIN cipher_suites s ON s.id = o.cipher_id
),
unit_levels AS (
    SELECT unit,
           unit_order,
           id,
           MAX(weight) AS weight,
           CASE
               WHEN MAX(scanned) = 0 THEN -1
               WHEN MIN(level) IS NULL THEN 0
               ELSE MIN(level)
           END AS level,
           MIN(trusted) AS trusted
    FROM route_levels
    GROUP BY unit, unit_order, id
),
unit_totals AS (
    SELECT unit,
           SUM(CASE WHEN level >= 1 THEN 1 ELSE 0 END) AS answered,
           SUM(CASE WHEN level >= 1 THEN weight ELSE CAST(0 AS DOUBLE) END) AS answered_weight
    FROM unit_levels
    GROUP BY unit
)
