CREATE TABLE "search_sync"."leases" (
	"family" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"token" bigint NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_sync"."runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"family" text NOT NULL,
	"holder" text NOT NULL,
	"token" bigint,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text NOT NULL,
	"changes" integer DEFAULT 0 NOT NULL,
	"batches" integer DEFAULT 0 NOT NULL,
	"dead_letters" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "search_sync"."versions" (
	"family" text NOT NULL,
	"version" integer NOT NULL,
	"index_name" text NOT NULL,
	"state" text NOT NULL,
	"definition_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "versions_family_version_pk" PRIMARY KEY("family","version")
);
--> statement-breakpoint
CREATE INDEX "runs_family_idx" ON "search_sync"."runs" USING btree ("family","id");