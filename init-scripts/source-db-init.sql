-- Source database of the demo: the tables Debezium captures, with sample data.
-- REPLICA IDENTITY FULL makes PostgreSQL log the whole old row on UPDATE and DELETE, so Debezium's
-- change events carry full before-images (the default identity logs only the primary key).

CREATE TABLE users (
    id         SERIAL PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    email      VARCHAR(255) NOT NULL UNIQUE,
    created_at TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE orders (
    id           SERIAL PRIMARY KEY,
    user_id      INTEGER        NOT NULL REFERENCES users (id),
    product_name VARCHAR(255)   NOT NULL,
    quantity     INTEGER        NOT NULL,
    price        NUMERIC(10, 2) NOT NULL,
    order_date   TIMESTAMP      NOT NULL DEFAULT CURRENT_TIMESTAMP,
    notes        TEXT
);

ALTER TABLE users REPLICA IDENTITY FULL;
ALTER TABLE orders REPLICA IDENTITY FULL;

INSERT INTO users (name, email) VALUES
    ('John Doe', 'john@example.com'),
    ('Jane Smith', 'jane@example.com'),
    ('Bob Johnson', 'bob@example.com');

INSERT INTO orders (user_id, product_name, quantity, price) VALUES
    (1, 'Laptop', 1, 999.99),
    (1, 'Mouse', 2, 25.50),
    (2, 'Keyboard', 1, 75.00),
    (3, 'Monitor', 1, 299.99);

-- Debezium's signal table (signal.data.collection in debezium-config/postgres-connector.json):
-- `npm run add-table` inserts an execute-snapshot signal here to backfill the rows a table held
-- before it joined the connector (an incremental snapshot), and Debezium writes its snapshot
-- window marks here. The columns are the ones Debezium requires, in this order.
CREATE TABLE debezium_signal (
    id   VARCHAR(64) PRIMARY KEY,
    type VARCHAR(32) NOT NULL,
    data VARCHAR(2048)
);
