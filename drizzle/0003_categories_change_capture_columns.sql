ALTER TABLE "categories" ADD COLUMN "description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "categories" ADD COLUMN "search_sync_change_key" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL;--> statement-breakpoint
ALTER TABLE "categories" ADD COLUMN "search_sync_row_version" bigint DEFAULT nextval('"search_sync".row_version_seq') NOT NULL;