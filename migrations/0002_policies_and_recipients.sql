CREATE TABLE `tenant_policies` (
	`tenant_id` text NOT NULL,
	`class` text NOT NULL,
	`policy` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `class`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `links` ADD `recipient_subject_id` text;--> statement-breakpoint
ALTER TABLE `links` ADD `recipient_group` text;--> statement-breakpoint
CREATE INDEX `links_tenant_subject` ON `links` (`tenant_id`,`recipient_subject_id`);