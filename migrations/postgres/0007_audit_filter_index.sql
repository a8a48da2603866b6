-- The audit list filtered by action and outcome (the API's most common filter pair) is answered from the
-- index alone: the capped count and the keyset page never touch the table for rows that do not match.
CREATE INDEX audit_log_workspace_action_outcome_idx ON audit_log (workspace_id, action, outcome, id);
DROP INDEX audit_log_workspace_action_idx;
