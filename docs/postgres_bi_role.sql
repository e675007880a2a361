-- The read-only BI role of the Postgres target (README, "Postgres").
-- Run once per warehouse database, before the first build, as a superuser
-- (or a role with CREATEROLE that owns the database), connected to that
-- database:  psql -d supportwh -f docs/postgres_bi_role.sql
-- The build then grants SELECT on every mart to the role (dbt_project.yml
-- +grants) and USAGE on the marts schema (on-run-end hook); it grants
-- nothing else. Give people access by making their login a member:
--   create role jane login password '...' in role supportwh_bi;
-- The role name is the dbt var / env var bi_role (default supportwh_bi);
-- change it here too if you change it there.
do $$
begin
    if not exists (select from pg_roles where rolname = 'supportwh_bi') then
        create role supportwh_bi nologin;
    end if;
    -- Postgres grants PUBLIC CONNECT and TEMP on every new database: take
    -- them back so that being able to log in is not being able to create
    -- (temporary tables included), and give the BI role CONNECT only. The
    -- database owner (who builds) keeps its own privileges.
    execute format('revoke all on database %I from public', current_database());
    execute format('grant connect on database %I to supportwh_bi', current_database());
end
$$;
-- Before Postgres 15 every user may create in the public schema.
revoke create on schema public from public;
