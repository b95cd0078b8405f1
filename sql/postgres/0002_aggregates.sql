-- 0002_aggregates: per-minute aggregates for the studio's charts (issue 4).
--
-- Written by the decision store in the same transaction as the decision rows, and only for decisions
-- that were new to the store, so rewriting a batch, replaying a spool or redelivering a Kafka message
-- never counts a decision twice. verdict-worker writes them in production, the SQLite store in the
-- embedded default (sql/sqlite/0002_aggregates.sql, the same tables).
--
-- `minute` is the UTC minute the decision was received in (received_at truncated to the minute).
-- The counters are plain bigints: a chart sums them over the minutes and dimensions it needs.
-- Querying, percentiles included: sql/README.md.

-- Decisions by outcome x channel x product.
CREATE TABLE agg_decisions_minute (
  minute    timestamptz NOT NULL,
  outcome   text        NOT NULL,
  channel   text        NOT NULL,
  product   text        NOT NULL,   -- sim_only | device (application.order.product); 'unknown' if absent
  decisions bigint      NOT NULL CHECK (decisions >= 0),
  PRIMARY KEY (minute, outcome, channel, product)
);

-- Reason codes hit, x channel x product. A decision counts once per distinct reason code among its
-- reasons (the rules that fired), however many of its rules share that code.
CREATE TABLE agg_reasons_minute (
  minute      timestamptz NOT NULL,
  reason_code text        NOT NULL,
  channel     text        NOT NULL,
  product     text        NOT NULL,
  hits        bigint      NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (minute, reason_code, channel, product)
);

-- Provider calls by provider x status, as a latency histogram: one row per non-empty bucket. A call
-- falls in the first bucket whose upper bound le_ms it does not exceed (latency <= le_ms); the bounds
-- are 5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000 ms and
-- 2147483647, which stands for +inf. Buckets are not cumulative: a call is counted in one row only.
-- status:
--   ok            answered by the provider (ok, hit or no_hit)
--   cached        answered from the cache (latency 0)
--   timeout       no answer within the provider's deadline (or the decision's)
--   circuit_open  not attempted: the provider's circuit breaker was open
--   error         unavailable for another reason (HTTP error, connection refused or reset, invalid answer)
CREATE TABLE agg_provider_calls_minute (
  minute           timestamptz NOT NULL,
  provider         text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('ok', 'cached', 'timeout', 'circuit_open', 'error')),
  le_ms            integer     NOT NULL CHECK (le_ms > 0),
  calls            bigint      NOT NULL CHECK (calls >= 0),
  latency_ms_total bigint      NOT NULL CHECK (latency_ms_total >= 0),  -- sum of the calls' latencies, for means
  PRIMARY KEY (minute, provider, status, le_ms)
);
