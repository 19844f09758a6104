-- A sealed event leaves the chain only from its start, by retention pruning: pruning first moves
-- the tenant's anchor past the events it removes, so any deletion at or before the anchor is a
-- pruning step and any deletion after it would cut a hole in the evidence. Unsealed events stay
-- deletable: a change that turned out not to happen withdraws its event in the same batch.
CREATE TRIGGER `audit_sealed_events_leave_only_by_pruning` BEFORE DELETE ON `audit_events`
WHEN OLD.seq IS NOT NULL AND OLD.seq > COALESCE(
  (SELECT `seq` FROM `audit_chain_anchors` WHERE `tenant_id` = OLD.tenant_id),
  0
)
BEGIN
  SELECT RAISE(ABORT, 'audit_chain: a sealed event is removed only by pruning from the start');
END;
