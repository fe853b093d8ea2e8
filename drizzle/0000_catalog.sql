CREATE SCHEMA "search_sync";
--> statement-breakpoint
CREATE SEQUENCE "search_sync"."row_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "categories" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_tags" (
	"product_id" integer NOT NULL,
	"tag_id" integer NOT NULL,
	CONSTRAINT "product_tags_product_id_tag_id_pk" PRIMARY KEY("product_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" serial PRIMARY KEY NOT NULL,
	"sku" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"price" numeric(10, 2) NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"category_id" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"search_sync_change_key" bigint DEFAULT (pg_current_xact_id()::text::bigint) NOT NULL,
	"search_sync_row_version" bigint DEFAULT nextval('"search_sync".row_version_seq') NOT NULL,
	CONSTRAINT "products_sku_unique" UNIQUE("sku")
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "tags_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "search_sync"."checkpoints" (
	"family" text NOT NULL,
	"version" integer NOT NULL,
	"change_key" bigint NOT NULL,
	"key" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkpoints_family_version_pk" PRIMARY KEY("family","version")
);
--> statement-breakpoint
CREATE TABLE "search_sync"."dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"family" text NOT NULL,
	"version" integer NOT NULL,
	"document_id" text NOT NULL,
	"operation" text NOT NULL,
	"document" jsonb,
	"error_type" text NOT NULL,
	"reason" text NOT NULL,
	"status_code" integer,
	"attempts" integer NOT NULL,
	"row_version" bigint NOT NULL,
	"first_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_failed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "product_tags" ADD CONSTRAINT "product_tags_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_tags" ADD CONSTRAINT "product_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_open_uq" ON "search_sync"."dead_letters" USING btree ("family","version","document_id") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX "dead_letters_family_idx" ON "search_sync"."dead_letters" USING btree ("family","version","id");