--
-- flux 0.8.0 -> 0.9.0: safe to install (docs/security.md)
--
-- Built by the Makefile from sql/0.9.0/*.sql, one file per concern, in name
-- order.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.9.0'" to load this file. \quit
