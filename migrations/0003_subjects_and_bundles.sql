CREATE TABLE `bundle_members` (
	`bundle_id` text NOT NULL,
	`position` integer NOT NULL,
	`version_id` text NOT NULL,
	PRIMARY KEY(`bundle_id`, `position`),
	FOREIGN KEY (`bundle_id`) REFERENCES `bundles`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bundle_members_version` ON `bundle_members` (`version_id`);--> statement-breakpoint
CREATE TABLE `bundles` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`class` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bundles_tenant` ON `bundles` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `subjects` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`display_name` text,
	`email` text,
	`roles` text NOT NULL,
	`attributes` text NOT NULL,
	`active` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deactivated_at` integer,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- D1 ignores PRAGMA foreign_keys; deferring the checks is its way to rebuild a table.
PRAGMA defer_foreign_keys=ON;--> statement-breakpoint
CREATE TABLE `__new_links` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`version_id` text,
	`bundle_id` text,
	`class` text NOT NULL,
	`max_uses` integer NOT NULL,
	`recipient_email` text,
	`recipient_subject_id` text,
	`recipient_group` text,
	`issued_by` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`version_id`) REFERENCES `versions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bundle_id`) REFERENCES `bundles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_links`("id", "tenant_id", "version_id", "bundle_id", "class", "max_uses", "recipient_email", "recipient_subject_id", "recipient_group", "issued_by", "issued_at", "expires_at") SELECT "id", "tenant_id", "version_id", "bundle_id", "class", "max_uses", "recipient_email", "recipient_subject_id", "recipient_group", "issued_by", "issued_at", "expires_at" FROM `links`;--> statement-breakpoint
DROP TABLE `links`;--> statement-breakpoint
ALTER TABLE `__new_links` RENAME TO `links`;--> statement-breakpoint
PRAGMA defer_foreign_keys=OFF;--> statement-breakpoint
CREATE INDEX `links_tenant_version` ON `links` (`tenant_id`,`version_id`);--> statement-breakpoint
CREATE INDEX `links_tenant_subject` ON `links` (`tenant_id`,`recipient_subject_id`);--> statement-breakpoint
CREATE INDEX `links_tenant_bundle` ON `links` (`tenant_id`,`bundle_id`);