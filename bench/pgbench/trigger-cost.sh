#!/usr/bin/env bash
# The writer's cost of the library's triggers, measured with pgbench: single-row updates of a captured
# table with no trigger, with the capture trigger as 0.1 had it (no notification), with the capture
# trigger that notifies at commit (wake on commit), and single-row updates of a related table with and
# without its related-change trigger. Prints tps per case and the ratios. Needs `npm run build` first.
# Usage: bash bench/pgbench/trigger-cost.sh [seconds per case, default 20]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SECONDS_PER_CASE="${1:-20}"
URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="ss_trigger_cost_$$"
psql "$URL" -qc "create database $DB"
trap 'psql "$URL" -qc "drop database if exists $DB with (force)"' EXIT
DBURL="${URL%/*}/$DB"
export PGOPTIONS="-c client_min_messages=warning"
psql "$DBURL" -q <<'SQL'
create table categories (id int primary key, name text not null);
create table items (id int primary key, title text not null, category_id int not null references categories(id));
insert into categories select i, 'category ' || i from generate_series(1, 100) i;
insert into items select i, 'item ' || i, 1 + i % 100 from generate_series(1, 100000) i;
SQL
# The library's own SQL for these tables, from the built package.
node --input-type=module > "/tmp/$DB.sql" <<'JS'
import { pgTable, integer, text } from 'drizzle-orm/pg-core';
import { relations } from 'drizzle-orm';
import { changeCaptureColumns, changeCaptureSql, describeSource, relatedChangeCaptureSql, searchSyncStateSql } from 'search-sync';
const categories = pgTable('categories', { id: integer('id').primaryKey(), name: text('name').notNull() });
const items = pgTable('items', { id: integer('id').primaryKey(), title: text('title').notNull(), categoryId: integer('category_id').notNull(), ...changeCaptureColumns() });
const itemsRelations = relations(items, ({ one }) => ({ category: one(categories, { fields: [items.categoryId], references: [categories.id] }) }));
const capture = changeCaptureSql(describeSource('items', items));
process.stdout.write(JSON.stringify({
  state: searchSyncStateSql(),
  capture,
  quiet: capture.replaceAll(/^\s*perform pg_notify\(.*$/gm, ''),
  related: relatedChangeCaptureSql({ table: items, with: { category: true }, schema: { categories, items, itemsRelations } }),
}));
JS
sql() { node -e "process.stdout.write(JSON.parse(require('fs').readFileSync('/tmp/$DB.sql','utf8')).$1)"; }
echo "\set id random(1, 100000)
update items set title = md5(random()::text) where id = :id;" > "/tmp/$DB.items.pgbench"
echo "\set id random(1, 100)
update categories set name = md5(random()::text) where id = :id;" > "/tmp/$DB.categories.pgbench"
tps() { pgbench -n -c 2 -j 2 -T "$SECONDS_PER_CASE" -f "$1" "$DBURL" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
sql state | psql "$DBURL" -q
plain=$(tps "/tmp/$DB.items.pgbench")
sql quiet | psql "$DBURL" -q
quiet=$(tps "/tmp/$DB.items.pgbench")
sql capture | psql "$DBURL" -q
notify=$(tps "/tmp/$DB.items.pgbench")
related_plain=$(tps "/tmp/$DB.categories.pgbench")
sql related | psql "$DBURL" -q
related=$(tps "/tmp/$DB.categories.pgbench")
rm -f /tmp/$DB.*
echo "single-row updates of items (100,000 rows), 2 clients, ${SECONDS_PER_CASE} s per case:"
echo "  no trigger                      $plain tps"
echo "  capture trigger, no notify      $quiet tps  (ratio $(node -e "console.log(($quiet/$plain).toFixed(3))"))"
echo "  capture trigger with notify     $notify tps  (ratio $(node -e "console.log(($notify/$plain).toFixed(3))"), vs no notify $(node -e "console.log(($notify/$quiet).toFixed(3))"))"
echo "single-row updates of categories (each embedded by 1,000 items):"
echo "  no related trigger              $related_plain tps"
echo "  related-change trigger          $related tps  (ratio $(node -e "console.log(($related/$related_plain).toFixed(3))"))"
