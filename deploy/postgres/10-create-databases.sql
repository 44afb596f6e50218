-- Runs once, when the postgres container initialises an empty data volume
-- (mounted into /docker-entrypoint-initdb.d by docker-compose.yml).
-- One database per service, and one per ledger validator, all owned by POSTGRES_USER.
CREATE DATABASE nostro_gateway;
CREATE DATABASE nostro_fx;
CREATE DATABASE nostro_settlement;
CREATE DATABASE nostro_ledger_0;
CREATE DATABASE nostro_ledger_1;
CREATE DATABASE nostro_ledger_2;
