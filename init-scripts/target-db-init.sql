-- Target database: the same tables as the source, filled by the pipeline. synced_at records when
-- the pipeline last wrote each row. No foreign key from orders to users: the pipeline applies
-- changes of different tables in parallel lanes, so an order may land before its user does.

CREATE TABLE users (
    id         INTEGER      PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    email      VARCHAR(255) NOT NULL,
    created_at TIMESTAMP    NOT NULL,
    synced_at  TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id           INTEGER        PRIMARY KEY,
    user_id      INTEGER        NOT NULL,
    product_name VARCHAR(255)   NOT NULL,
    quantity     INTEGER        NOT NULL,
    price        NUMERIC(10, 2) NOT NULL,
    order_date   TIMESTAMP      NOT NULL,
    notes        TEXT,
    synced_at    TIMESTAMPTZ    NOT NULL DEFAULT now()
);

-- The signal table is captured like any table (Debezium's window marks land on its topic), so the
-- target mirrors it: its changes apply instead of dead-lettering, and verify finds it identical.
CREATE TABLE debezium_signal (
    id        VARCHAR(64)  PRIMARY KEY,
    type      VARCHAR(32)  NOT NULL,
    data      VARCHAR(2048),
    synced_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
