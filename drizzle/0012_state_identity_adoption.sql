CREATE TABLE "search_sync"."identity" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"system_identifier" text NOT NULL,
	"database_name" text NOT NULL,
	"copied_from" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search_sync"."versions" ADD COLUMN "version_base" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "search_sync"."versions" ADD COLUMN "adopted_from" jsonb;