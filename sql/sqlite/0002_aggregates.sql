-- 0002_aggregates: per-minute aggregates for the studio's charts — the same tables as
-- postgres/0002_aggregates.sql (read that file for what each column means).
--
-- Maintained by the SQLite store's write() in the transaction of the decision rows, only for
-- decisions that were new, so the embedded default (no verdict-worker) charts the same way.
-- As in 0001, instants are Unix epoch milliseconds: minute_ms is received_at_ms truncated to the UTC
-- minute (a multiple of 60000).

CREATE TABLE agg_decisions_minute (
  minute_ms INTEGER NOT NULL,
  outcome   TEXT    NOT NULL,
  channel   TEXT    NOT NULL,
  product   TEXT    NOT NULL,
  decisions INTEGER NOT NULL CHECK (decisions >= 0),
  PRIMARY KEY (minute_ms, outcome, channel, product)
) STRICT;

CREATE TABLE agg_reasons_minute (
  minute_ms   INTEGER NOT NULL,
  reason_code TEXT    NOT NULL,
  channel     TEXT    NOT NULL,
  product     TEXT    NOT NULL,
  hits        INTEGER NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (minute_ms, reason_code, channel, product)
) STRICT;

CREATE TABLE agg_provider_calls_minute (
  minute_ms        INTEGER NOT NULL,
  provider         TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('ok', 'cached', 'timeout', 'circuit_open', 'error')),
  le_ms            INTEGER NOT NULL CHECK (le_ms > 0),
  calls            INTEGER NOT NULL CHECK (calls >= 0),
  latency_ms_total INTEGER NOT NULL CHECK (latency_ms_total >= 0),
  PRIMARY KEY (minute_ms, provider, status, le_ms)
) STRICT;
