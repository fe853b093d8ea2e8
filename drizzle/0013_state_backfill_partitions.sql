CREATE TABLE "search_sync"."backfill_partitions" (
	"family" text NOT NULL,
	"version" integer NOT NULL,
	"partition" integer NOT NULL,
	"after" jsonb,
	"up_to" jsonb,
	"cursor" jsonb,
	"state" text DEFAULT 'waiting' NOT NULL,
	"holder" text,
	"token" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"rows" bigint DEFAULT 0 NOT NULL,
	"claimed_at" timestamp with time zone,
	"claim_rows" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone,
	CONSTRAINT "backfill_partitions_family_version_partition_pk" PRIMARY KEY("family","version","partition")
);
--> statement-breakpoint
CREATE TABLE "search_sync"."backfill_plans" (
	"family" text NOT NULL,
	"version" integer NOT NULL,
	"change_key" bigint NOT NULL,
	"key" jsonb NOT NULL,
	"pending" bigint[] NOT NULL,
	"rows" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"merged_at" timestamp with time zone,
	CONSTRAINT "backfill_plans_family_version_pk" PRIMARY KEY("family","version")
);
