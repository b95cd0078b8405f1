-- 0005_provider_calls_inline: the decision row carries its provider calls; its documents are kept as
-- written (json) and compressed with lz4 (issue 4, verdict-worker throughput).
--
-- Until now every decision wrote up to seven provider_calls rows, each with its own primary-key entry
-- and foreign-key check: most of a batch write's time went there, for rows that are only ever read
-- with their decision (lookup, replay, the review screen) — the charts read the aggregates (0002). So
-- the calls move into the decision row as one array, in the order recorded:
--   [{"provider": "bkr", "status": "ok", "latency_ms": 120, "cached": false, "error": ""}, ...]
-- ("error" is "" when the call succeeded). They go with the decision when its month's partition is
-- dropped. `provider_calls` stays readable under its old name and columns, as a view.
--
-- The documents (case, decision, calls) become json rather than jsonb. Nothing queries inside them in
-- SQL — the store reads them whole, and the chart aggregates are folded by the writer — so jsonb's
-- binary form only cost: building it was the largest part of writing a decision, and it compresses
-- worse, so most rows went out of line into TOAST. json keeps the text as the daemon wrote it (the
-- stored decision is byte for byte the one answered, on PostgreSQL as on SQLite) after checking it is
-- JSON. The type change rewrites the table once; functions and operators that take jsonb need a cast.
--
-- A row of about 3 kB of JSON is compressed by PostgreSQL; lz4 costs a fraction of the default
-- pglz's CPU. Compressed, a row is still a little over the 2 kB at which PostgreSQL would move its
-- largest value out of line into the TOAST table (another heap row and index entry per decision), so
-- the documents are STORAGE MAIN: compressed, kept in the row, out of line only when a row would not
-- fit a page. SET STORAGE reaches every partition; SET COMPRESSION on the partitioned table is
-- inherited by partitions created from now on, and the existing ones are set one by one.

ALTER TABLE decisions ADD COLUMN provider_calls json NOT NULL DEFAULT '[]';

UPDATE decisions d
SET provider_calls = c.calls
FROM (
  SELECT decision_id,
         json_agg(json_build_object('provider', provider, 'status', status, 'latency_ms', latency_ms,
                                      'cached', cached, 'error', coalesce(error, ''))
                   ORDER BY seq) AS calls
  FROM provider_calls
  GROUP BY decision_id
) c
WHERE d.decision_id = c.decision_id;

DROP TABLE provider_calls;

-- The calls as rows, as 0001 had them (seq counts from 1).
CREATE VIEW provider_calls AS
SELECT d.decision_id,
       c.seq::smallint                       AS seq,
       c.call->>'provider'                   AS provider,
       c.call->>'status'                     AS status,
       (c.call->>'latency_ms')::integer      AS latency_ms,
       (c.call->>'cached')::boolean          AS cached,
       NULLIF(c.call->>'error', '')          AS error
FROM decisions d
CROSS JOIN LATERAL json_array_elements(d.provider_calls) WITH ORDINALITY AS c(call, seq);

ALTER TABLE decisions
  ALTER COLUMN case_json TYPE json,
  ALTER COLUMN decision_json TYPE json;

ALTER TABLE decisions
  ALTER COLUMN case_json SET STORAGE MAIN,
  ALTER COLUMN decision_json SET STORAGE MAIN,
  ALTER COLUMN provider_calls SET STORAGE MAIN,
  ALTER COLUMN case_json SET COMPRESSION lz4,
  ALTER COLUMN decision_json SET COMPRESSION lz4,
  ALTER COLUMN provider_calls SET COMPRESSION lz4;

DO $$
DECLARE
  part regclass;
BEGIN
  FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'decisions'::regclass LOOP
    EXECUTE format('ALTER TABLE %s ALTER COLUMN case_json SET COMPRESSION lz4, '
                   'ALTER COLUMN decision_json SET COMPRESSION lz4, '
                   'ALTER COLUMN provider_calls SET COMPRESSION lz4', part);
  END LOOP;
END
$$;
