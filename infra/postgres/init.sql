-- Run once by the postgres image on an empty data volume
-- (/docker-entrypoint-initdb.d). One database per program; each service
-- owns its own and never reads another's. Owned by POSTGRES_USER.
CREATE DATABASE eip_engagement;
CREATE DATABASE eip_referrals;
CREATE DATABASE eip_training;
CREATE DATABASE eip_governance;
CREATE DATABASE eip_portal;
