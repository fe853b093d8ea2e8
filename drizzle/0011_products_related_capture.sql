-- Related rows of the products family: a change to a category, a tag or a product_tags row re-indexes the
-- products that embed it. relatedChangeCaptureSql({ table: products, with: productsIndexOptions.with, schema: catalogSchema })

-- public.products: re-index the rows whose "category" ("public"."categories") changed
create or replace function "search_sync"."ss_rel_products_ad9262bfef18"() returns trigger language plpgsql as $fn$
begin
  if tg_op <> 'INSERT' then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'category', jsonb_build_array(old."id"), pg_current_xact_id()::text::bigint where true and not exists (select 1 from "public"."products" p where (p."category_id") = (old."id") and p.search_sync_change_key = pg_current_xact_id()::text::bigint); end if;
  if (tg_op = 'UPDATE' and (old."id") is distinct from (new."id")) then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'category', jsonb_build_array(new."id"), pg_current_xact_id()::text::bigint where true and not exists (select 1 from "public"."products" p where (p."category_id") = (new."id") and p.search_sync_change_key = pg_current_xact_id()::text::bigint); end if;
  perform pg_notify('search_sync', 'public.products');
  return null;
end
$fn$;
drop trigger if exists "ss_rel_products_ad9262bfef18" on "public"."categories";
create trigger "ss_rel_products_ad9262bfef18" after insert or delete on "public"."categories"
  for each row execute function "search_sync"."ss_rel_products_ad9262bfef18"();
drop trigger if exists "ss_rel_products_ad9262bfef18_u" on "public"."categories";
create trigger "ss_rel_products_ad9262bfef18_u" after update on "public"."categories"
  for each row when ((old."id", old."name") is distinct from (new."id", new."name"))
  execute function "search_sync"."ss_rel_products_ad9262bfef18"();

-- public.products: re-index the rows whose "tags" ("public"."product_tags") changed
create or replace function "search_sync"."ss_rel_products_edbca5898aee"() returns trigger language plpgsql as $fn$
begin
  if tg_op <> 'INSERT' then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'tags', jsonb_build_array(old."product_id"), pg_current_xact_id()::text::bigint where true and not exists (select 1 from "public"."products" p where (p."id") = (old."product_id") and p.search_sync_change_key = pg_current_xact_id()::text::bigint); end if;
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and (old."product_id") is distinct from (new."product_id")) then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'tags', jsonb_build_array(new."product_id"), pg_current_xact_id()::text::bigint where true and not exists (select 1 from "public"."products" p where (p."id") = (new."product_id") and p.search_sync_change_key = pg_current_xact_id()::text::bigint); end if;
  perform pg_notify('search_sync', 'public.products');
  return null;
end
$fn$;
drop trigger if exists "ss_rel_products_edbca5898aee" on "public"."product_tags";
create trigger "ss_rel_products_edbca5898aee" after insert or delete on "public"."product_tags"
  for each row execute function "search_sync"."ss_rel_products_edbca5898aee"();
drop trigger if exists "ss_rel_products_edbca5898aee_u" on "public"."product_tags";
create trigger "ss_rel_products_edbca5898aee_u" after update on "public"."product_tags"
  for each row when ((old."product_id", old."tag_id") is distinct from (new."product_id", new."tag_id"))
  execute function "search_sync"."ss_rel_products_edbca5898aee"();

-- public.products: re-index the rows whose "tags.tag" ("public"."tags") changed
create or replace function "search_sync"."ss_rel_products_c106ff4ee431"() returns trigger language plpgsql as $fn$
begin
  if tg_op <> 'INSERT' then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'tags.tag', jsonb_build_array(old."id"), pg_current_xact_id()::text::bigint where true; end if;
  if (tg_op = 'UPDATE' and (old."id") is distinct from (new."id")) then insert into "search_sync".related_changes (source, path, vals, xid) select 'public.products', 'tags.tag', jsonb_build_array(new."id"), pg_current_xact_id()::text::bigint where true; end if;
  perform pg_notify('search_sync', 'public.products');
  return null;
end
$fn$;
drop trigger if exists "ss_rel_products_c106ff4ee431" on "public"."tags";
create trigger "ss_rel_products_c106ff4ee431" after insert or delete on "public"."tags"
  for each row execute function "search_sync"."ss_rel_products_c106ff4ee431"();
drop trigger if exists "ss_rel_products_c106ff4ee431_u" on "public"."tags";
create trigger "ss_rel_products_c106ff4ee431_u" after update on "public"."tags"
  for each row when ((old."id", old."name") is distinct from (new."id", new."name"))
  execute function "search_sync"."ss_rel_products_c106ff4ee431"();
