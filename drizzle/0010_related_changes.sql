CREATE TABLE "search_sync"."related_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"path" text NOT NULL,
	"vals" jsonb NOT NULL,
	"xid" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "related_changes_source_idx" ON "search_sync"."related_changes" USING btree ("source","path","id");