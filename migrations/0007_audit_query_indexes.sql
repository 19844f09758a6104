DROP INDEX `audit_tenant_link`;--> statement-breakpoint
DROP INDEX `audit_tenant_version`;--> statement-breakpoint
DROP INDEX `audit_tenant_action`;--> statement-breakpoint
DROP INDEX `audit_tenant_sealed`;--> statement-breakpoint
CREATE INDEX `audit_tenant_link_time` ON `audit_events` (`tenant_id`,`link_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_version_time` ON `audit_events` (`tenant_id`,`version_id`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_action_time` ON `audit_events` (`tenant_id`,`action`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_outcome_time` ON `audit_events` (`tenant_id`,`outcome`,`occurred_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_sealed_seq` ON `audit_events` (`tenant_id`,`sealed_at`,`seq`);--> statement-breakpoint
DROP INDEX `webhook_deliveries_endpoint`;--> statement-breakpoint
DROP INDEX `webhook_deliveries_event`;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint_time` ON `webhook_deliveries` (`tenant_id`,`endpoint_id`,`attempted_at`,`id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_event_endpoint` ON `webhook_deliveries` (`tenant_id`,`event_id`,`endpoint_id`);