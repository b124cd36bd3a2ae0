-- dane_adoption: DANE among the MX hosts of the dataset's domains: how
-- many publish TLSA records for port 25, whether DNSSEC authenticated
-- them, which usages, selectors and matching types they use, and what
-- the records say of the chain each host actually served.
-- One row: facet × value. Facets and their denominators:
--   tlsa        MX hosts (distinct `mail_routes.mx_host`): with_tlsa / without_tlsa;
--   dnssec      MX hosts with TLSA records: authenticated / not_authenticated;
--   usage, selector, matching
--               TLSA records of those hosts (`dns`), by each field;
--   verdict     routes (domain × MX host × address) with a completed
--               port-25 handshake and TLSA records, by DANE verdict
--               (`match`, `no_match`, `no_dnssec`, `name_mismatch`, …).
SELECT f.facet, f.value, f.count, CAST(f.count AS DOUBLE) / t.total AS share, t.total
FROM (
    SELECT 'tlsa' AS facet, value, COUNT(*) AS count
    FROM (
        SELECT mx_host, CASE WHEN MAX(tlsa_records) > 0 THEN 'with_tlsa' ELSE 'without_tlsa' END AS value
        FROM mail_routes
        GROUP BY mx_host
    ) hosts
    GROUP BY value
    UNION ALL
    SELECT 'dnssec' AS facet, value, COUNT(*) AS count
    FROM (
        SELECT mx_host,
               CASE WHEN MIN(CASE WHEN tlsa_dnssec THEN 1 ELSE 0 END) = 1
                    THEN 'authenticated' ELSE 'not_authenticated' END AS value
        FROM mail_routes
        WHERE tlsa_records > 0
        GROUP BY mx_host
    ) signed
    GROUP BY value
    UNION ALL
    SELECT 'usage' AS facet, CAST(tlsa_usage AS STRING) AS value, COUNT(*) AS count
    FROM dns
    WHERE kind = 'TLSA'
    GROUP BY tlsa_usage
    UNION ALL
    SELECT 'selector' AS facet, CAST(tlsa_selector AS STRING) AS value, COUNT(*) AS count
    FROM dns
    WHERE kind = 'TLSA'
    GROUP BY tlsa_selector
    UNION ALL
    SELECT 'matching' AS facet, CAST(tlsa_matching AS STRING) AS value, COUNT(*) AS count
    FROM dns
    WHERE kind = 'TLSA'
    GROUP BY tlsa_matching
    UNION ALL
    SELECT 'verdict' AS facet, dane AS value, COUNT(*) AS count
    FROM mail_routes
    WHERE dane IS NOT NULL
    GROUP BY dane
) f
JOIN (
    SELECT 'tlsa' AS facet, COUNT(DISTINCT mx_host) AS total FROM mail_routes
    UNION ALL
    SELECT 'dnssec' AS facet, COUNT(DISTINCT mx_host) AS total FROM mail_routes WHERE tlsa_records > 0
    UNION ALL
    SELECT 'usage' AS facet, COUNT(*) AS total FROM dns WHERE kind = 'TLSA'
    UNION ALL
    SELECT 'selector' AS facet, COUNT(*) AS total FROM dns WHERE kind = 'TLSA'
    UNION ALL
    SELECT 'matching' AS facet, COUNT(*) AS total FROM dns WHERE kind = 'TLSA'
    UNION ALL
    SELECT 'verdict' AS facet, COUNT(*) AS total FROM mail_routes WHERE dane IS NOT NULL
) t ON t.facet = f.facet
ORDER BY f.facet, f.count DESC, f.value
