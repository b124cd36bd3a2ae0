-- trust_anchor_drift: which roots anchor the trusted chains of each scan,
-- and what becomes of the same chains under every other trust setting of
-- the dataset (another root-store snapshot, another date: `ingest --append
-- --roots … --as-of …` adds one), e.g. the 2015 scans under the 2026 store.
-- One row: scan × trust setting × root anchoring the chain under the
-- default setting × verdict under this setting (`ok` or the reason it
-- fails) × root anchoring it under this setting.
-- Denominator: completed handshakes of the scan whose chain is valid under
-- the default setting (`trusted_default`); every setting's rows add up to
-- it. Chains only transvalid under the default setting are left out.
WITH ok AS (
    SELECT scan_id, chain_hash, COUNT(*) AS endpoints
    FROM handshakes
    WHERE status = 'ok' AND chain_hash IS NOT NULL
    GROUP BY scan_id, chain_hash
),
trusted AS (
    SELECT t.scan_id, t.chain_hash, t.root_sha256 AS anchor_sha256, t.root_name AS anchor_name, o.endpoints
    FROM chain_trust t
    JOIN ok o ON o.scan_id = t.scan_id AND o.chain_hash = t.chain_hash
    WHERE t.setting_rank = 0 AND t.valid
),
totals AS (
    SELECT scan_id, SUM(endpoints) AS trusted_default FROM trusted GROUP BY scan_id
),
judged AS (
    SELECT d.scan_id,
           j.setting_rank,
           j.trust_setting,
           j.store,
           d.anchor_sha256,
           d.anchor_name,
           j.reason AS verdict,
           j.root_sha256 AS setting_root_sha256,
           SUM(d.endpoints) AS endpoints
    FROM trusted d
    JOIN chain_trust j ON j.scan_id = d.scan_id AND j.chain_hash = d.chain_hash
    GROUP BY d.scan_id, j.setting_rank, j.trust_setting, j.store, d.anchor_sha256, d.anchor_name,
             j.reason, j.root_sha256
)
SELECT j.scan_id,
       s.scan_date,
       s.port,
       j.setting_rank,
       j.trust_setting,
       j.store,
       j.anchor_sha256 AS root_sha256,
       j.anchor_name AS root_name,
       j.verdict,
       j.setting_root_sha256,
       j.endpoints,
       t.trusted_default,
       CAST(j.endpoints AS DOUBLE) / t.trusted_default AS share
FROM judged j
JOIN totals t ON t.scan_id = j.scan_id
JOIN scans s ON s.scan_id = j.scan_id
ORDER BY s.port, s.scan_date, j.scan_id, j.setting_rank, j.store, j.anchor_sha256, j.verdict, j.setting_root_sha256
