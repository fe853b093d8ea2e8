ALTER TABLE "search_sync"."versions" ADD COLUMN "promoted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "search_sync"."versions" ADD COLUMN "delete_after" timestamp with time zone;