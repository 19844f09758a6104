CREATE TABLE `audit_chain_anchors` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`pruned_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tenant_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`latency_ms` integer,
	`error` text,
	`replay` integer NOT NULL,
	`attempted_at` integer NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint` ON `webhook_deliveries` (`tenant_id`,`endpoint_id`,`attempted_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_event` ON `webhook_deliveries` (`tenant_id`,`event_id`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`event_types` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`previous_secret_ciphertext` text,
	`previous_secret_expires_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`disabled_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_tenant` ON `webhook_endpoints` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `audit_events` ADD `seq` integer;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `sealed_at` integer;--> statement-breakpoint
CREATE INDEX `audit_tenant_ip` ON `audit_events` (`tenant_id`,`client_ip`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `audit_tenant_action` ON `audit_events` (`tenant_id`,`action`,`occurred_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_tenant_seq` ON `audit_events` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_tenant_sealed` ON `audit_events` (`tenant_id`,`sealed_at`);--> statement-breakpoint
CREATE INDEX `audit_unsealed` ON `audit_events` (`tenant_id`,`occurred_at`,`id`) WHERE seq IS NULL;--> statement-breakpoint
-- Written by hand (drizzle-kit does not model triggers): D1 itself keeps the audit chain straight.
-- Events arrive unsealed; a sealed event is final; and an event may only be sealed onto the event
-- that really holds the position before it (or, after pruning, onto the chain's anchor).
CREATE TRIGGER `audit_events_arrive_unsealed` BEFORE INSERT ON `audit_events`
WHEN NEW.seq IS NOT NULL OR NEW.hash IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'audit_chain: events are inserted unsealed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_sealed_events_are_final` BEFORE UPDATE ON `audit_events`
WHEN OLD.seq IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'audit_chain: a sealed event cannot be changed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_seal_follows_predecessor` BEFORE UPDATE OF `seq` ON `audit_events`
WHEN NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT COALESCE(
  (SELECT `hash` FROM `audit_events` WHERE `tenant_id` = NEW.tenant_id AND `seq` = NEW.seq - 1),
  (SELECT `hash` FROM `audit_chain_anchors` WHERE `tenant_id` = NEW.tenant_id AND `seq` = NEW.seq - 1),
  CASE WHEN NEW.seq = 1 THEN '0000000000000000000000000000000000000000000000000000000000000000' END
)
BEGIN
  SELECT RAISE(ABORT, 'audit_chain: an event must be sealed onto its predecessor');
END;
