-- 0006_provider_calls_inline: a decision's provider calls as one JSON array in its row, as
-- PostgreSQL has kept them since postgres/0005; `provider_calls` becomes a view with the old columns.
--
-- Why: the calls were seven rows of their own per decision — seven b-tree inserts into the table and
-- its primary-key index, seven foreign-key lookups of the decision — and the largest part of SQLite's
-- work per stored decision after 0005 (perf of tests/bench/bench_daemon --cached-only). The array is
-- written by the daemon's encoder (store/record_codec.hpp, provider_calls_json) and read back whole
-- with the decision; nothing queried the rows one by one on the write path. The view keeps ad-hoc
-- queries (and `error` NULL when there was none) working as before.
--
-- ADD COLUMN with a constant default does not rewrite the table; the UPDATE copies the existing calls
-- once, in their order (seq).

ALTER TABLE decisions ADD COLUMN provider_calls TEXT NOT NULL DEFAULT '[]';

UPDATE decisions
SET provider_calls = (
  SELECT json_group_array(json_object('provider', c.provider, 'status', c.status, 'latency_ms', c.latency_ms,
                                      'cached', json(CASE c.cached WHEN 1 THEN 'true' ELSE 'false' END),
                                      'error', coalesce(c.error, '')))
  FROM (SELECT * FROM provider_calls WHERE decision_id = decisions.decision_id ORDER BY seq) AS c)
WHERE EXISTS (SELECT 1 FROM provider_calls WHERE decision_id = decisions.decision_id);

DROP TABLE provider_calls;

CREATE VIEW provider_calls (decision_id, seq, provider, status, latency_ms, cached, error) AS
SELECT d.decision_id,
       c.key + 1,
       json_extract(c.value, '$.provider'),
       json_extract(c.value, '$.status'),
       json_extract(c.value, '$.latency_ms'),
       json_extract(c.value, '$.cached'),
       nullif(json_extract(c.value, '$.error'), '')
FROM decisions AS d, json_each(d.provider_calls) AS c;
