CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`principal` text NOT NULL,
	`secret_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `api_keys_tenant` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`occurred_at` integer NOT NULL,
	`tenant_id` text,
	`link_id` text,
	`version_id` text,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`actor` text,
	`client_ip` text,
	`country` text,
	`user_agent` text,
	`bytes_served` integer,
	`request_id` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_tenant_time` ON `audit_events` (`tenant_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_link` ON `audit_events` (`tenant_id`,`link_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `audit_tenant_version` ON `audit_events` (`tenant_id`,`version_id`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `links` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`version_id` text NOT NULL,
	`class` text NOT NULL,
	`max_uses` integer NOT NULL,
	`recipient_email` text,
	`issued_by` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `links_tenant_version` ON `links` (`tenant_id`,`version_id`);--> statement-breakpoint
CREATE TABLE `objects` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`class` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `objects_tenant_name` ON `objects` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `versions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`object_id` text NOT NULL,
	`number` integer NOT NULL,
	`storage_key` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`model_version` text,
	`training_window` text,
	`recipient_group` text,
	`labels` text NOT NULL,
	`published_by` text NOT NULL,
	`published_at` integer NOT NULL,
	`retain_until` integer,
	`purged_at` integer,
	FOREIGN KEY (`object_id`) REFERENCES `objects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `versions_object_number` ON `versions` (`object_id`,`number`);--> statement-breakpoint
CREATE INDEX `versions_tenant` ON `versions` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `versions_retention` ON `versions` (`retain_until`);