/**
 * Debezium's tutorial database (debezium/debezium-examples, the `inventory` schema of its example
 * PostgreSQL image): products, products_on_hand, customers and orders, with their rows. The schema
 * name is a parameter, so a test can use a fresh one on a shared stack.
 */
export const INVENTORY_TABLES = ['products', 'products_on_hand', 'customers', 'orders'] as const;

export const inventorySql = (schema: string): string[] => [
  `CREATE SCHEMA ${schema}`,
  `CREATE TABLE ${schema}.products (
     id SERIAL NOT NULL PRIMARY KEY,
     name VARCHAR(255) NOT NULL,
     description VARCHAR(512),
     weight FLOAT)`,
  `ALTER SEQUENCE ${schema}.products_id_seq RESTART WITH 101`,
  `ALTER TABLE ${schema}.products REPLICA IDENTITY FULL`,
  `INSERT INTO ${schema}.products VALUES
     (default, 'scooter', 'Small 2-wheel scooter', 3.14),
     (default, 'car battery', '12V car battery', 8.1),
     (default, '12-pack drill bits', '12-pack of drill bits with sizes ranging from #40 to #3', 0.8),
     (default, 'hammer', '12oz carpenter''s hammer', 0.75),
     (default, 'hammer', '14oz carpenter''s hammer', 0.875),
     (default, 'hammer', '16oz carpenter''s hammer', 1.0),
     (default, 'rocks', 'box of assorted rocks', 5.3),
     (default, 'jacket', 'water resistent black wind breaker', 0.1),
     (default, 'spare tire', '24 inch spare tire', 22.2)`,
  `CREATE TABLE ${schema}.products_on_hand (
     product_id INTEGER NOT NULL PRIMARY KEY,
     quantity INTEGER NOT NULL,
     FOREIGN KEY (product_id) REFERENCES ${schema}.products(id))`,
  `ALTER TABLE ${schema}.products_on_hand REPLICA IDENTITY FULL`,
  `INSERT INTO ${schema}.products_on_hand VALUES
     (101, 3), (102, 8), (103, 18), (104, 4), (105, 5), (106, 0), (107, 44), (108, 2), (109, 5)`,
  `CREATE TABLE ${schema}.customers (
     id SERIAL NOT NULL PRIMARY KEY,
     first_name VARCHAR(255) NOT NULL,
     last_name VARCHAR(255) NOT NULL,
     email VARCHAR(255) NOT NULL UNIQUE)`,
  `ALTER SEQUENCE ${schema}.customers_id_seq RESTART WITH 1001`,
  `ALTER TABLE ${schema}.customers REPLICA IDENTITY FULL`,
  `INSERT INTO ${schema}.customers VALUES
     (default, 'Sally', 'Thomas', 'sally.thomas@acme.com'),
     (default, 'George', 'Bailey', 'gbailey@foobar.com'),
     (default, 'Edward', 'Walker', 'ed@walker.com'),
     (default, 'Anne', 'Kretchmar', 'annek@noanswer.org')`,
  `CREATE TABLE ${schema}.orders (
     id SERIAL NOT NULL PRIMARY KEY,
     order_date DATE NOT NULL,
     purchaser INTEGER NOT NULL,
     quantity INTEGER NOT NULL,
     product_id INTEGER NOT NULL,
     FOREIGN KEY (purchaser) REFERENCES ${schema}.customers(id),
     FOREIGN KEY (product_id) REFERENCES ${schema}.products(id))`,
  `ALTER SEQUENCE ${schema}.orders_id_seq RESTART WITH 10001`,
  `ALTER TABLE ${schema}.orders REPLICA IDENTITY FULL`,
  `INSERT INTO ${schema}.orders VALUES
     (default, '2016-01-16', 1001, 1, 102),
     (default, '2016-01-17', 1002, 2, 105),
     (default, '2016-02-19', 1002, 2, 106),
     (default, '2016-02-21', 1003, 1, 107)`,
];
