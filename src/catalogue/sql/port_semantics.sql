-- port_semantics: what a trusted certificate means on each port. On
-- port 25 (server to server) senders use whatever certificate they get
-- unless DANE or MTA-STS tells them to check it, so STARTTLS protects
-- against passive eavesdropping whatever the certificate; on the client
-- ports (465, 587, 143, 993, 110, 995) mail clients check it.
-- One row: port × protocol × TLS mode, with the sentence the report
-- prints about what its trust share means.
-- Denominator: completed TLS handshakes (status 'ok') of the port, all
-- scans pooled; trust is the dataset's first trust setting.
SELECT c.port,
       c.protocol,
       c.tls_mode,
       CASE WHEN c.port = 25 THEN 'server to server' ELSE 'client access' END AS role,
       c.completed,
       c.trusted,
       CAST(c.trusted AS DOUBLE) / c.completed AS trusted_share,
       CASE
           WHEN c.port = 25 THEN 'Senders do not check this certificate unless DANE or MTA-STS says so: a completed handshake protects against passive eavesdropping whatever the certificate, and a trusted one adds nothing against an active attacker by itself.'
           ELSE 'Mail clients check this certificate: an untrusted one is an error the user must click through, or an opening for impersonation.'
       END AS meaning
FROM (
    SELECT h.port,
           h.protocol,
           h.tls_mode,
           COUNT(*) AS completed,
           SUM(CASE WHEN t.valid THEN 1 ELSE 0 END) AS trusted
    FROM handshakes h
    LEFT JOIN (
        SELECT scan_id, chain_hash, valid
        FROM chain_trust
        WHERE setting_rank = 0
    ) t ON t.scan_id = h.scan_id AND t.chain_hash = h.chain_hash
    WHERE h.status = 'ok'
    GROUP BY h.port, h.protocol, h.tls_mode
) c
ORDER BY c.port, c.protocol, c.tls_mode
