-- Tombstones are recorded by a BEFORE DELETE trigger (it was AFTER DELETE): a key deleted and inserted
-- again in one statement got a delete version above the insert's. changeCaptureSql() again for each
-- captured table (idempotent; it replaces the trigger functions and triggers).
-- changeCaptureSql(describeSource("products", products))

create sequence if not exists "search_sync".row_version_seq;
alter table "public"."products" add column if not exists search_sync_change_key bigint not null default (pg_current_xact_id()::text::bigint);
alter table "public"."products" add column if not exists search_sync_row_version bigint not null default nextval('"search_sync".row_version_seq');
create index if not exists "public_products_ss_change_idx" on "public"."products" (search_sync_change_key, "id");

-- The row version is taken after the row lock (BEFORE UPDATE triggers run once the row is locked),
-- so for any key it grows in commit order: OpenSearch external versioning relies on that.
-- The notification wakes listening instances at commit (PostgreSQL delivers it then, and folds the
-- copies one transaction sends), so a change is synced at once instead of at the next scheduled run.
create or replace function "search_sync".capture_change() returns trigger language plpgsql as $fn$
begin
  new.search_sync_change_key := pg_current_xact_id()::text::bigint;
  new.search_sync_row_version := nextval('"search_sync".row_version_seq');
  perform pg_notify('search_sync', tg_table_schema || '.' || tg_table_name);
  return new;
end
$fn$;
drop trigger if exists search_sync_capture on "public"."products";
create trigger search_sync_capture before insert or update on "public"."products"
  for each row execute function "search_sync".capture_change();

create table if not exists "search_sync"."products_tombstones" (
  tombstone_id bigserial primary key,
  "id" integer not null,
  change_key bigint not null,
  row_version bigint not null,
  deleted_at timestamptz not null default now()
);
create index if not exists "public_products_ss_tomb_idx" on "search_sync"."products_tombstones" (change_key, "id");
-- BEFORE, not AFTER: an AFTER row trigger runs at the end of its statement, so a key deleted and inserted
-- again in one statement (a data-modifying CTE) would give the delete a row version above the insert's.
-- A BEFORE trigger runs once the row is locked, as the capture trigger does, so versions follow the
-- order of the writes to the key.
create or replace function "search_sync"."public_products_tombstone"() returns trigger language plpgsql as $fn$
begin
  insert into "search_sync"."products_tombstones" ("id", change_key, row_version) values (old."id", pg_current_xact_id()::text::bigint, nextval('"search_sync".row_version_seq'));
  perform pg_notify('search_sync', tg_table_schema || '.' || tg_table_name);
  return old;
end
$fn$;
drop trigger if exists search_sync_tombstone on "public"."products";
create trigger search_sync_tombstone before delete on "public"."products"
  for each row execute function "search_sync"."public_products_tombstone"();

-- changeCaptureSql(describeSource("categories", categories))

create sequence if not exists "search_sync".row_version_seq;
alter table "public"."categories" add column if not exists search_sync_change_key bigint not null default (pg_current_xact_id()::text::bigint);
alter table "public"."categories" add column if not exists search_sync_row_version bigint not null default nextval('"search_sync".row_version_seq');
create index if not exists "public_categories_ss_change_idx" on "public"."categories" (search_sync_change_key, "id");

-- The row version is taken after the row lock (BEFORE UPDATE triggers run once the row is locked),
-- so for any key it grows in commit order: OpenSearch external versioning relies on that.
-- The notification wakes listening instances at commit (PostgreSQL delivers it then, and folds the
-- copies one transaction sends), so a change is synced at once instead of at the next scheduled run.
create or replace function "search_sync".capture_change() returns trigger language plpgsql as $fn$
begin
  new.search_sync_change_key := pg_current_xact_id()::text::bigint;
  new.search_sync_row_version := nextval('"search_sync".row_version_seq');
  perform pg_notify('search_sync', tg_table_schema || '.' || tg_table_name);
  return new;
end
$fn$;
drop trigger if exists search_sync_capture on "public"."categories";
create trigger search_sync_capture before insert or update on "public"."categories"
  for each row execute function "search_sync".capture_change();

create table if not exists "search_sync"."categories_tombstones" (
  tombstone_id bigserial primary key,
  "id" integer not null,
  change_key bigint not null,
  row_version bigint not null,
  deleted_at timestamptz not null default now()
);
create index if not exists "public_categories_ss_tomb_idx" on "search_sync"."categories_tombstones" (change_key, "id");
-- BEFORE, not AFTER: an AFTER row trigger runs at the end of its statement, so a key deleted and inserted
-- again in one statement (a data-modifying CTE) would give the delete a row version above the insert's.
-- A BEFORE trigger runs once the row is locked, as the capture trigger does, so versions follow the
-- order of the writes to the key.
create or replace function "search_sync"."public_categories_tombstone"() returns trigger language plpgsql as $fn$
begin
  insert into "search_sync"."categories_tombstones" ("id", change_key, row_version) values (old."id", pg_current_xact_id()::text::bigint, nextval('"search_sync".row_version_seq'));
  perform pg_notify('search_sync', tg_table_schema || '.' || tg_table_name);
  return old;
end
$fn$;
drop trigger if exists search_sync_tombstone on "public"."categories";
create trigger search_sync_tombstone before delete on "public"."categories"
  for each row execute function "search_sync"."public_categories_tombstone"();

